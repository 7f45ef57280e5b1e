print("steward-load: not yet written")
