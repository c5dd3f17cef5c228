"""Sample data: a realistic, calibrated and deliberately dirty landing zone for Yantai.

    from ip_pipeline.sample import generate_sample
    manifest = generate_sample(home, scale=1.0, seed=20201231, end=None, dirt_rate=0.002)
"""
from .generate import generate_sample

__all__ = ["generate_sample"]
