"""What a check means (quiet, new version, re-read), and writing it: policy, diff, classes."""
