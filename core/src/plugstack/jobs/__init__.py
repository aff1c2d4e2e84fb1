"""One job system for long work (post-training, eval): persisted, run in a child process."""
