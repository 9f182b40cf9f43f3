"""Use cases: what the CLI and the web layer ask of the engine and the storage. No web or CLI code here."""
