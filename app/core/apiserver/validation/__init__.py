"""pkg/apis/core/validation (and apps/discovery validation): one module per family of rules.

May import: `model`.
"""
