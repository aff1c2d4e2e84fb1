"""`inline::trl`: post-training (SFT, DPO) with TRL and PEFT, run as jobs of the core job system."""
