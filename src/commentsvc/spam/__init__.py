"""Spam and abuse checks: small functions returning findings, summed by the pipeline."""
