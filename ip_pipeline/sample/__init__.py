"""Sample data: a realistic, calibrated and deliberately dirty landing zone for Yantai.

from ip_pipeline.sample import generate_sample
manifest = generate_sample(home, scale=1.0, seed=20201231, end=None, dirt_rate=0.002)
"""

__all__ = ["generate_sample"]


def __getattr__(name: str):
    # Loaded on first use: the CLI imports this package for its `sample` sub-command on
    # every invocation, and the generator's modules are not needed by any other.
    if name == "generate_sample":
        from .generate import generate_sample

        return generate_sample
    raise AttributeError(name)
