"""The local tracking stack (SeaweedFS S3 store + MLflow server); see :mod:`npp_rl.stack.local`."""

from npp_rl.stack.local import LocalStack, StackConfig, StackError, free_port_block

__all__ = ["LocalStack", "StackConfig", "StackError", "free_port_block"]
