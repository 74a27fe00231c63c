"""What makes an output checkable: content digests, export manifests, the audit head, verification."""
