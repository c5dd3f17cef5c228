"""Operating a data directory: the run lock, backup generations, damage scans and recovery
(accept, restore, rebuild), `doctor`, the run-failure alerts and the per-source reconciliation.
Dagster-free, like the domain packages; the CLI's light commands use it without loading Dagster."""
