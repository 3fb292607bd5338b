# Thin wrapper over meson: the README's commands.
#   make demo    install build dependencies (as root), build, boot the built-in platform, run the tour
#   make check   build and run every test, then again under ASan+UBSan (and
#                -fsanitize=float-cast-overflow, which meson.build adds)
#   make boards  every arm64 device tree of Linux 6.12 (Debian's linux-source-6.12, installed
#                as root) compiled as Linux does, each that uses an IOMMU booted: one line per
#                tree, boot times, then again under ASan+UBSan (BOARDS_GRAPHS=DIR: DOT files)
#   make fuzz    fuzz each libFuzzer harness of tests/fuzz for FUZZ_SECONDS (default
#                600) in build-fuzz (clang); `make check` runs each over its corpus
#   make explore long explorer runs: each catalogue bug on, and no bug on every
#                built-in platform for longer (docs/explore.md)
#   make bench   build optimised and print the benchmark figures (with valgrind,
#                installed as root, instructions per operation beside the times)

DEPS = meson ninja-build gcc libc6-dev cpp pkg-config libfdt-dev device-tree-compiler libcmocka-dev libedit-dev \
	graphviz clang libclang-rt-14-dev libfuse3-dev fuse3 kmod dash python3 pciutils driverctl dpdk \
	qemu-system-arm binutils-aarch64-linux-gnu \
	qemu-utils qemu-block-extra
# The QEMU guest of tests/clients/qemu-guest.sh (tools/guest-build.sh).
DEPS += qemu-system-x86 busybox-static cpio
# Only `make bench` needs these; without them it prints times only.
BENCH_DEPS = valgrind
# Only `make boards` needs the kernel's sources (its device trees).
BOARDS_DEPS = linux-source-6.12
BUILD ?= build
ASAN ?= build-asan
BENCHDIR ?= build-bench
# The fuzz harnesses: clang, ASan+UBSan, the library instrumented for
# libFuzzer. -Wno-error: gcc's builds police warnings, clang's are advisory here.
FUZZDIR ?= build-fuzz
FUZZ_SECONDS ?= 600
FUZZERS = fuzz_dtb fuzz_shell fuzz_scenario fuzz_sysfs fuzz_vfio

.PHONY: all deps bench-deps boards-deps demo check check-plain check-asan bench boards fuzz fuzz-build explore clean

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

$(FUZZDIR)/build.ninja: | deps
	CC=clang meson setup $(FUZZDIR) -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
		-Dc_args="-fsanitize=fuzzer-no-link -Wno-error"

fuzz-build: $(FUZZDIR)/build.ninja
	ninja -C $(FUZZDIR) $(addprefix tests/fuzz/,$(FUZZERS))

# Each harness from its seed corpus, new inputs kept in $(FUZZDIR)/corpus/<harness>;
# a crash leaves its input in $(FUZZDIR)/crash-<harness>-* and stops.
fuzz: fuzz-build
	@for h in $(FUZZERS); do \
		mkdir -p $(FUZZDIR)/corpus/$$h; \
		echo "fuzz: $$h for $(FUZZ_SECONDS) s"; \
		./$(FUZZDIR)/tests/fuzz/$$h -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=4096 -print_final_stats=1 \
			-artifact_prefix=$(FUZZDIR)/crash-$$h- $(FUZZDIR)/corpus/$$h tests/fuzz/corpus/$$h \
			2>$(FUZZDIR)/fuzz-$$h.log || { tail -n 40 $(FUZZDIR)/fuzz-$$h.log; exit 1; }; \
		grep -E '^stat::number_of_executed_units|^Done' $(FUZZDIR)/fuzz-$$h.log; \
	done

$(BENCHDIR)/build.ninja: | deps
	meson setup $(BENCHDIR) -Dbuildtype=release

# The tour ends on a deliberate isolation escape, which fails any run (status 1).
demo: all
	@./$(BUILD)/iommulab run --echo docs/tour.lab; s=$$?; [ $$s -eq 1 ] && \
		echo "demo: exit status 1, from the oracle's escape above, as it must be" || exit $$s

check: $(BUILD)/build.ninja $(ASAN)/build.ninja fuzz-build
	ninja -C $(BUILD)
	ninja -C $(ASAN)
	@meson test -C $(FUZZDIR) --suite fuzz --no-rebuild --print-errorlogs >/dev/null || \
		{ echo "fuzz corpus regression failed: $(FUZZDIR)/meson-logs/testlog.txt"; exit 1; }
	@echo "fuzz corpus regression: $(words $(FUZZERS)) harnesses over tests/fuzz/corpus ok"
	@sh tools/run-tests.sh $(BUILD) $(ASAN)

# Each reachable catalogue bug must be found within 60 s; with no bug on, ten
# minutes on two cores over each platform the scenarios boot find nothing.
EXPLORE_BUGS = group-ref sme-freed-on-unbind owner-while-kernel missed-tlbi fq-not-drained msi-left-mapped vfio-unmap-keeps-mapping override-ignored-on-rescan
EXPLORE_TIME ?= 120
explore: all
	@for b in $(EXPLORE_BUGS); do echo "== --bug $$b"; \
		./$(BUILD)/iommulab explore --bug $$b --time 60 --jobs 2; s=$$?; \
		[ $$s -eq 1 ] || { echo "make explore: --bug $$b: no break in 60 s"; exit 1; }; done
	@for p in "" tests/scenarios/platforms/smmuv3-virt.dts tests/scenarios/platforms/smmu-smr2.dts \
		tests/scenarios/platforms/smmu-cb2.dts; do echo "== no bug $${p:-built-in}"; \
		./$(BUILD)/iommulab explore $${p:+--platform $$p} --time $(EXPLORE_TIME) --jobs 2 || exit 1; done

bench: $(BENCHDIR)/build.ninja bench-deps
	ninja -C $(BENCHDIR)
	@sh tools/run-bench.sh $(BENCHDIR)

boards: $(BUILD)/build.ninja $(ASAN)/build.ninja boards-deps
	ninja -C $(BUILD)
	ninja -C $(ASAN)
	@sh tools/boards.sh $(BUILD) $(ASAN) $(BOARDS_GRAPHS)

clean:
	rm -rf $(BUILD) $(ASAN) $(BENCHDIR) $(FUZZDIR)
