"""Ingestion: landing-zone files (and the enforcement database) into raw_, stg_ and quarantine_ tables."""
