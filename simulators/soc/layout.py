"""Array layouts shared by the numba kernel and its Python callers: the design row, constants, outputs."""

from __future__ import annotations

N_CORES = 3
TASK_COLS = 5  # per real task: pe choice (0..2 core, 3 IP), unroll, clock multiplier, memory, IP bus
C_PE, C_UNROLL, C_CLOCK, C_MEM, C_BUS = range(TASK_COLS)
# global columns after the task columns
G_CORE_BUS, G_MEM_KIND, G_MEM_WIDTH, G_MEM_CLOCK, G_MEM1_BUS, G_BUS_WIDTH, G_BUS_CLOCK = 0, 3, 5, 7, 9, 10, 12
N_GLOBAL = 14
IP_CHOICE = 3
# constants vector (built by model.SoCModel)
K_A53_RATE, K_A53_WOE, K_A53_AREA, K_IP_FREQ, K_MEM_FREQ, K_BUS_FREQ, K_KEEP_CORE0, K_LAST = range(8)
# task kinds
REAL, SOURCE, SINK, OTHER_DUMMY = 0, 1, 2, 3

METRIC_NAMES = ("latency_s", "power_w", "energy_j", "area_mm2", "avg_power_w", "pe_area_mm2", "mem_area_mm2",
                "mem_bytes", "n_cores", "n_ips")
N_METRICS = len(METRIC_NAMES)
# block-table columns of the detail output (rows: 3 cores, T IPs (one slot per task), 2 memories, 2 buses)
B_EXISTS, B_BUS, B_AREA, B_ENERGY, B_READ, B_WRITE, B_BUSY, B_PEAK, B_SIZE, B_RJ, B_WJ = range(11)
N_BCOLS = 11
# task-table columns
T_LAUNCH, T_START, T_END, T_ENERGY, T_READ, T_WRITE, T_BUSY = range(7)
N_TCOLS = 7
# phase-table columns: length, energy (PE energy while simulating, total energy after accounting), bytes
P_LEN, P_ENERGY, P_READ0, P_READ1, P_WRITE0, P_WRITE1 = range(6)
N_PCOLS = 6
