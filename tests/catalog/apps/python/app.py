import sys

import six

print(f"six {six.__version__} on Python {sys.version_info.major}.{sys.version_info.minor}")
