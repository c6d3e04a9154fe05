from .allocations import *  # noqa: F403
from .artifacts import *  # noqa: F403
from .audit import *  # noqa: F403
from .events import *  # noqa: F403
from .organisations import *  # noqa: F403
from .requests import *  # noqa: F403
from .sites import *  # noqa: F403
from .thredd import *  # noqa: F403
