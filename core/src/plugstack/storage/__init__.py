"""Named storage backends behind two small interfaces: KVStore and SqlStore."""
