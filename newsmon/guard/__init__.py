"""The SSRF guard: which addresses newsmon may reach, and the connections that hold to it."""
