from .organisations import *  # noqa: F403
