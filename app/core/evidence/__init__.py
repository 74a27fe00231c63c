"""What makes an output checkable: content digests, export manifests, the audit head, verification,
provenance (which software made it), and paths (nothing is ever written inside the evidence)."""
