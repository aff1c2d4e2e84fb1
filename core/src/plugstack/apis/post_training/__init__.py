"""The post_training API (/v1alpha/post-training): fine-tuning runs as durable jobs."""
