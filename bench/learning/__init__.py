"""Learning-quality bench: simulated learners studying under four policies (see docs/learning.md)."""
