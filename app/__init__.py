"""svcscope: see, test and teach how Kubernetes Services move traffic."""

__version__ = "0.1.0"
