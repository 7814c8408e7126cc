"""eNPS's section of the weekly digest (issue 17). (Skeleton: filled by the digest's owner.)"""

from __future__ import annotations

section = None
