# Thin wrapper over meson: the README's commands.
#   make demo    install build dependencies (as root), build, boot the built-in platform, run the tour
#   make check   build and run every test, then again under ASan+UBSan (and
#                -fsanitize=float-cast-overflow, which meson.build adds)
#   make boards  every arm64 device tree of Linux 6.12 (Debian's linux-source-6.12, installed
#                as root) compiled as Linux does, each that uses an IOMMU booted: one line per
#                tree, boot times, then again under ASan+UBSan (BOARDS_GRAPHS=DIR: DOT files)
#   make bench   build optimised and print the benchmark figures (with valgrind,
#                installed as root, instructions per operation beside the times)

DEPS = meson ninja-build gcc libc6-dev cpp pkg-config libfdt-dev device-tree-compiler libcmocka-dev libedit-dev graphviz \
	libfuse3-dev fuse3 kmod dash python3 pciutils driverctl dpdk
# Only `make bench` needs these; without them it prints times only.
BENCH_DEPS = valgrind
# Only `make boards` needs the kernel's sources (its device trees).
BOARDS_DEPS = linux-source-6.12
BUILD ?= build
ASAN ?= build-asan
BENCHDIR ?= build-bench

.PHONY: all deps bench-deps boards-deps demo check check-plain check-asan bench boards clean

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)

deps:
	@sh tools/install-deps.sh $(DEPS)

bench-deps:
	@sh tools/install-deps.sh $(BENCH_DEPS) || echo "make bench: no valgrind, times only"

boards-deps:
	@sh tools/install-deps.sh $(BOARDS_DEPS)

$(BUILD)/build.ninja: | deps
	meson setup $(BUILD)

$(ASAN)/build.ninja: | deps
	meson setup $(ASAN) -Db_sanitize=address,undefined -Db_lundef=false

$(BENCHDIR)/build.ninja: | deps
	meson setup $(BENCHDIR) -Dbuildtype=release

# The tour ends on a deliberate isolation escape, which fails any run (status 1).
demo: all
	@./$(BUILD)/iommulab run --echo docs/tour.lab; s=$$?; [ $$s -eq 1 ] && \
		echo "demo: exit status 1, from the oracle's escape above, as it must be" || exit $$s

check: $(BUILD)/build.ninja $(ASAN)/build.ninja
	ninja -C $(BUILD)
	ninja -C $(ASAN)
	@sh tools/run-tests.sh $(BUILD) $(ASAN)

bench: $(BENCHDIR)/build.ninja bench-deps
	ninja -C $(BENCHDIR)
	@sh tools/run-bench.sh $(BENCHDIR)

boards: $(BUILD)/build.ninja $(ASAN)/build.ninja boards-deps
	ninja -C $(BUILD)
	ninja -C $(ASAN)
	@sh tools/boards.sh $(BUILD) $(ASAN) $(BOARDS_GRAPHS)

clean:
	rm -rf $(BUILD) $(ASAN) $(BENCHDIR)
