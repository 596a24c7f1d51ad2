"""N++ constants (literal decimals, NPP_MECHANICS.md section 4.1) and the column layouts of the
simulator's arrays: segments (``S_*``, mirroring :mod:`npp_rl.sim.geometry`), the ninja (``N_*``) and entities
(``E_*``).
"""

from __future__ import annotations

import math

from npp_rl.sim._jitstamp import ensure_fresh

ensure_fresh()  # every kernel module imports this one first: refresh numba's cache before any compiles

# ---------------------------------------------------------------- constants (literal decimals, section 4.1)
NINJA_RADIUS = 10.0
GRAVITY_FALL = 0.06666666666666665
GRAVITY_JUMP = 0.01111111111111111
GROUND_ACCEL = 0.06666666666666665
AIR_ACCEL = 0.04444444444444444
DRAG_REGULAR = 0.9933221725495059
DRAG_SLOW = 0.8617738760127536
FRICTION_GROUND = 0.9459290248857720
FRICTION_GROUND_SLOW = 0.8617738760127536
FRICTION_WALL = 0.9113380468927672
MAX_HOR_SPEED = 3.333
MAX_JUMP_DURATION = 45
MAX_SURVIVABLE_IMPACT = 6.0
MIN_SURVIVABLE_CRUSHING = 0.05
TWO_THIRDS = 2 / 3
FOUR_THIRDS = 4 / 3
LAUNCH_BOOST = 36 / 7
THWUMP_FORWARD = 20 / 7
THWUMP_BACKWARD = 8 / 7
ZAP_SPEED = 8 / 7
DIAG = math.sqrt(2) / 2

# ---------------------------------------------------------------- segment columns (mirror geometry.py)
S_KIND, S_X1, S_Y1, S_X2, S_Y2, S_PX, S_PY, S_LENSQ = 0, 1, 2, 3, 4, 5, 6, 7
S_BX1, S_BY1, S_BX2, S_BY2 = 8, 9, 10, 11
S_OWNER, S_HOR, S_VER, S_CONVEX = 12, 13, 14, 15
S_PHX, S_PHY, S_PVX, S_PVY = 16, 17, 18, 19
S_LEN, S_NX, S_NY = 20, 21, 22

# ---------------------------------------------------------------- ninja columns
N_X, N_Y, N_VX, N_VY, N_XOLD, N_YOLD, N_VXOLD, N_VYOLD = 0, 1, 2, 3, 4, 5, 6, 7
N_GRAV, N_DRAG, N_STATE, N_AIR, N_AIROLD, N_WALLED, N_WALLN, N_JOLD = 8, 9, 10, 11, 12, 13, 14, 15
N_JDUR, N_JBUF, N_FBUF, N_WBUF, N_LPBUF = 16, 17, 18, 19, 20
N_FNX, N_FNY, N_CNX, N_CNY, N_FCOUNT, N_CCOUNT = 21, 22, 23, 24, 25, 26
N_FSX, N_FSY, N_CSX, N_CSY = 27, 28, 29, 30
N_CRUSHABLE, N_XCRUSH, N_YCRUSH, N_CRUSHLEN, N_LPX, N_LPY = 31, 32, 33, 34, 35, 36
N_HOR, N_JUMP, N_GOLD, N_FRAME, N_CAUSE = 37, 38, 39, 40, 41
N_SWITCH_FRAME, N_WIN_FRAME, N_DEATH_FRAME, N_SEQ, N_DOORS, N_FRICTION = 42, 43, 44, 45, 46, 47
NINJA_FIELDS = 48

DEATH_CAUSES = ("", "mine", "impact", "crush", "thwump", "shove_thwump", "drone", "death_ball")
C_MINE, C_IMPACT, C_CRUSH, C_THWUMP, C_SHOVE, C_DRONE, C_BALL = 1, 2, 3, 4, 5, 6, 7

# ---------------------------------------------------------------- entity columns
E_TYPE, E_ACTIVE, E_X, E_Y, E_CX, E_CY, E_SEQ, E_STATE = 0, 1, 2, 3, 4, 5, 6, 7
E_VX, E_VY, E_XO, E_YO, E_ORI, E_MODE, E_NX, E_NY = 8, 9, 10, 11, 12, 13, 14, 15
E_A, E_B, E_C, E_XT, E_YT, E_RAD, E_IDX = 16, 17, 18, 19, 20, 21, 22
E_DX, E_DY, E_G1X, E_G1Y, E_G2X, E_G2Y, E_VERT = 23, 24, 25, 26, 27, 28, 29
E_NEXT, E_PREV = 30, 31  # links of the per-cell entity lists (grid order), -1 = none
ENTITY_FIELDS = 32

#: entity types the simulator implements (type 4 rows are created from their exit door's record)
SUPPORTED_TYPES = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 14, 17, 20, 21, 24, 25, 26, 28)

