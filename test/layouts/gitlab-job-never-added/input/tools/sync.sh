echo sync
