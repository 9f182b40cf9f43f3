"""The standards lifecycle: rescoring stored audits against another version, and what changes under it (impact)."""
