// The command line: `twosom [options] [-cp dir1:dir2:...] path/Main.som [args...]`.
#include <gc/gc.h>
#include <limits.h>
#include <malloc.h>
#include <pthread.h>
#include <unistd.h>
// The VM thread is made with the C library's functions, not the collector's wrappers
// (gc.h redirects them under GC_THREADS): see main().
#undef pthread_create
#undef pthread_join

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "interp/interpreter.h"
#include "jit/backend/code_cache.h"
#include "jit/tier1/tier1.h"
#include "jit/tier2/params.h"
#include "jit/tier2/tier2.h"
#include "vm/bootstrap.h"
#include "vm/universe.h"

using namespace som;

namespace {

const char* kUsage =
    "Usage: twosom [options] [-cp dir1:dir2:...] path/Main.som [arguments...]\n"
    "\n"
    "Runs the SOM program whose main class is defined in Main.som: the VM sends\n"
    "`run:` (with the argument Array) or `run` to a new instance of that class.\n"
    "\n"
    "Options (only before the program file):\n"
    "  -cp, --classpath PATH  directories to search for classes, ':'-separated, searched\n"
    "                         in order before the program's directory and the bundled\n"
    "                         core library (first match wins)\n"
    "  --jit=MODE             execution configuration: off (the interpreter only),\n"
    "                         tier1 (interpreter, then threaded native code for warm\n"
    "                         methods), tier2 (interpreter, then trees of traces of hot\n"
    "                         loops and hot methods) or both (the default: tier 1 for warm\n"
    "                         methods, tier 2 for hot loops and methods, exits back into\n"
    "                         tier-1 code)\n"
    "  --tier1-threshold=N    invocations plus loop iterations before tier 1 compiles a\n"
    "                         method (default 100; 0 compiles every method before it runs)\n"
    "  --tier2-threshold=N    loop iterations before tier 2 records the loop (default 1000;\n"
    "                         the same as --tier2-param=hotloop=N)\n"
    "  --tier2-param=NAME=N   set one of tier 2's limits and thresholds (repeatable):\n"
    "%s"
    "  --jit-log              print each compiled method's bytecode and native code, and each\n"
    "                         trace's bytecodes, IR, snapshots, code and aborts, to stderr\n"
    "  --perf-map             write /tmp/perf-PID.map so that perf can name generated code\n"
    "  --code-cache-size=SIZE limit for generated code (default 64M); when full, nothing more\n"
    "                         is compiled\n"
    "  --stats                print run time, GC and execution statistics to stderr at exit\n"
    "  --max-heap=SIZE        limit the heap (bytes; suffixes K, M, G; default: half the\n"
    "                         physical memory); exhausting it is an out-of-memory error\n"
    "  --max-stack-depth=N    maximum nesting of activations before a stack overflow\n"
    "                         (default 100000)\n"
    "  --help                 print this help and exit\n"
    "  --version              print the version and exit\n";

struct CommandLine {
  std::vector<std::string> classPath;
  std::vector<std::string> programArgs;  // [class name, args...]
  std::string programDir;
};

[[noreturn]] void usageError(const std::string& msg) {
  std::fprintf(stderr, "twosom: %s\nTry 'twosom --help' for more information.\n", msg.c_str());
  std::exit(2);
}

size_t parseSize(const std::string& text, const char* option) {
  char* end = nullptr;
  unsigned long long n = std::strtoull(text.c_str(), &end, 10);
  if (end == text.c_str()) usageError(std::string("invalid size for ") + option + ": '" + text + "'");
  std::string suffix(end);
  if (suffix == "K" || suffix == "k") n <<= 10;
  else if (suffix == "M" || suffix == "m") n <<= 20;
  else if (suffix == "G" || suffix == "g") n <<= 30;
  else if (!suffix.empty()) usageError(std::string("invalid size for ") + option + ": '" + text + "'");
  return size_t(n);
}

void splitPath(const std::string& path, std::vector<std::string>& out) {
  size_t start = 0;
  for (;;) {
    size_t colon = path.find(':', start);
    std::string part = path.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    if (!part.empty()) out.push_back(part);
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
}

std::string executableDir() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return ".";
  buf[n] = '\0';
  std::string p(buf);
  size_t slash = p.rfind('/');
  return slash == std::string::npos ? "." : p.substr(0, slash);
}

bool isDirectory(const std::string& p) { return access((p + "/Object.som").c_str(), R_OK) == 0; }

// The bundled core library: beside the binary (installed or build tree), else where the
// source tree had it when the VM was built.
std::string bundledCoreLib() {
  std::string exe = executableDir();
  for (std::string candidate : {exe + "/core-lib", exe + "/../core-lib", exe + "/../share/twosom/core-lib"})
    if (isDirectory(candidate)) return candidate;
  return TWOSOM_CORE_LIB_DIR;
}

void setTier2Parameter(const std::string& name, uint64_t value) {
  std::string error;
  if (!tier2::setParameter(name, value, error)) usageError(error);
}

CommandLine parse(int argc, char** argv) {
  CommandLine cl;
  int i = 1;
  for (; i < argc; i++) {
    std::string a = argv[i];
    if (a.empty() || a[0] != '-') break;
    auto value = [&](const std::string& prefix) { return a.substr(prefix.size()); };
    if (a == "--help" || a == "-h") {
      std::printf(kUsage, tier2::describeParameters().c_str());
      std::exit(0);
    } else if (a == "--version") {
      std::printf("TwoSOM %s\n", TWOSOM_VERSION);
      std::exit(0);
    } else if (a == "-cp" || a == "--classpath") {
      if (i + 1 >= argc) usageError(a + " needs a class path argument");
      splitPath(argv[++i], cl.classPath);
    } else if (a.rfind("--jit=", 0) == 0) {
      std::string mode = value("--jit=");
      if (mode != "off" && mode != "tier1" && mode != "tier2" && mode != "both")
        usageError("unknown --jit mode '" + mode + "' (this build has: off, tier1, tier2, both)");
      U.options.jit = mode;
    } else if (a.rfind("--tier1-threshold=", 0) == 0) {
      U.options.tier1Threshold = int64_t(parseSize(value("--tier1-threshold="), "--tier1-threshold"));
    } else if (a.rfind("--tier2-threshold=", 0) == 0) {
      setTier2Parameter("hotloop", parseSize(value("--tier2-threshold="), "--tier2-threshold"));
    } else if (a.rfind("--tier2-param=", 0) == 0) {
      std::string setting = value("--tier2-param=");
      size_t eq = setting.find('=');
      if (eq == std::string::npos) usageError("--tier2-param needs NAME=VALUE, not '" + setting + "'");
      setTier2Parameter(setting.substr(0, eq), parseSize(setting.substr(eq + 1), "--tier2-param"));
    } else if (a == "--jit-log") {
      U.options.jitLog = true;
    } else if (a == "--perf-map") {
      U.options.perfMap = true;
    } else if (a.rfind("--code-cache-size=", 0) == 0) {
      U.options.codeCacheBytes = parseSize(value("--code-cache-size="), "--code-cache-size");
    } else if (a == "--stats") {
      U.options.stats = true;
    } else if (a.rfind("--max-heap=", 0) == 0) {
      U.options.maxHeapBytes = parseSize(value("--max-heap="), "--max-heap");
    } else if (a.rfind("--max-stack-depth=", 0) == 0) {
      U.options.maxStackDepth = parseSize(value("--max-stack-depth="), "--max-stack-depth");
      if (U.options.maxStackDepth < 10) usageError("--max-stack-depth must be at least 10");
    } else {
      usageError("unknown option '" + a + "'");
    }
  }
  if (i >= argc) usageError("no program file given");
  std::string file = argv[i++];
  size_t slash = file.rfind('/');
  cl.programDir = slash == std::string::npos ? "." : file.substr(0, slash);
  std::string base = slash == std::string::npos ? file : file.substr(slash + 1);
  if (base.size() > 4 && base.compare(base.size() - 4, 4, ".som") == 0) base.resize(base.size() - 4);
  if (access(file.c_str(), R_OK) != 0 && access((file + ".som").c_str(), R_OK) != 0) {
    std::fprintf(stderr, "twosom: cannot read program file '%s'\n", file.c_str());
    std::exit(1);
  }
  cl.programArgs.push_back(base);
  for (; i < argc; i++) cl.programArgs.push_back(argv[i]);
  return cl;
}

struct VmThreadArgs {
  CommandLine* cl;
  size_t stackSize;
  int status;
};

void* vmMain(void* p) {
  auto* args = static_cast<VmThreadArgs*>(p);
  char here;
  // Leave a margin below the native stack's end for primitives and the error path.
  U.nativeStackLimit = &here - args->stackSize + (size_t(4) << 20);
  heap::initialize(U.options.maxHeapBytes);
  bootstrap();
  args->status = runProgram(args->cl->programArgs);
  return nullptr;
}

void printStats() {
  heap::Stats s = heap::stats();
  std::fprintf(stderr,
               "twosom stats:\n"
               "  run time:          %.3f ms\n"
               "  gc collections:    %llu\n"
               "  gc time:           %llu ms\n"
               "  bytes allocated:   %llu\n"
               "  heap size:         %llu\n"
               "  bytecodes:         %llu%s\n"
               "  jit:               %s\n"
               "  bytecode compile:  %.3f ms\n"
               "  tier1 methods:     %llu (%llu bytecodes, %llu failed)\n"
               "  tier1 compile:     %.3f ms\n"
               "  tier2 traces:      %llu root and %llu side traces compiled, %llu dropped, %llu recordings aborted, %llu loops blacklisted\n"
               "  tier2 runs:        %llu trace entries, %llu exits\n"
               "  tier2 compile:     %.3f ms, %llu code bytes\n"
               "  code bytes:        %llu (%llu refused for lack of room)\n",
               double(microsSinceStart()) / 1000.0, (unsigned long long)s.collections,
               (unsigned long long)s.collectionTimeMs, (unsigned long long)s.bytesAllocated,
               (unsigned long long)s.heapSize, (unsigned long long)U.bytecodesExecuted,
#ifdef TWOSOM_COUNT_BYTECODES
               "",
#else
               " (not counted: build with -DTWOSOM_COUNT_BYTECODES=ON)",
#endif
               U.options.jit.c_str(), double(U.bytecodeCompileMicros) / 1000.0,
               (unsigned long long)tier1::stats().methodsCompiled,
               (unsigned long long)tier1::stats().bytecodesCompiled, (unsigned long long)tier1::stats().failed,
               double(tier1::stats().compileMicros) / 1000.0,
               (unsigned long long)tier2::stats().tracesCompiled,
               (unsigned long long)tier2::stats().sideTracesCompiled, (unsigned long long)tier2::stats().tracesDropped,
               (unsigned long long)tier2::stats().recordingsAborted,
               (unsigned long long)tier2::stats().loopsBlacklisted, (unsigned long long)tier2::stats().traceEntries,
               (unsigned long long)tier2::stats().exitsTaken, double(tier2::stats().compileMicros) / 1000.0,
               (unsigned long long)tier2::stats().codeBytes,
               (unsigned long long)jit::CodeCache::instance().stats().codeBytes,
               (unsigned long long)jit::CodeCache::instance().stats().refused);
}

// The JITs' compilers allocate and free many short-lived buffers. In glibc's default
// setup the VM thread gets its own arena, which grows with mprotect and shrinks with
// madvise: each call flushes the TLB of every CPU, which made up a quarter of the first
// iterations' time under tier 2 (CD). One arena, grown in large steps and never trimmed,
// keeps that memory mapped for reuse.
void tuneMalloc() {
  mallopt(M_ARENA_MAX, 1);
  mallopt(M_TOP_PAD, 16 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
}

}  // namespace

int main(int argc, char** argv) {
  U.startMicros = uint64_t(std::chrono::duration_cast<std::chrono::microseconds>(
                               std::chrono::steady_clock::now().time_since_epoch())
                               .count());
  tuneMalloc();
  static char outBuffer[1 << 16];
  std::setvbuf(stdout, outBuffer, _IOFBF, sizeof outBuffer);

  CommandLine cl = parse(argc, argv);
  U.classPath = cl.classPath;
  U.classPath.push_back(cl.programDir);
  U.classPath.push_back(bundledCoreLib());
  if (U.options.stats) onExit(printStats);

  // A runaway program fails with an out-of-memory error instead of driving the machine
  // into swap.
  if (U.options.maxHeapBytes == 0)
    U.options.maxHeapBytes = size_t(sysconf(_SC_PHYS_PAGES)) * size_t(sysconf(_SC_PAGE_SIZE)) / 2;
  tier1::configure(U.options.jit == "tier1" || U.options.jit == "both");
  tier2::configure(U.options.jit == "tier2" || U.options.jit == "both");
  if (U.options.jit == "both") tier2::useDefaultsUnderBoth();
  U.loopThreshold = U.tier1Threshold;
  if (tier2::enabled()) U.loopThreshold = std::min(U.loopThreshold, tier2::threshold());
  // Tier 2 also traces hot methods from their entry (recursion).
  if (tier2::enabled()) U.entryThreshold = tier2::entryThreshold();

  // Each SOM activation is a native activation of the interpreter: run on a thread
  // whose stack is big enough for the maximum activation depth. It is the only thread the
  // collector knows (it initializes the heap there; this thread only waits): a second
  // registered thread made the collector take its lock on every refill of a free list
  // (a tenth of Storage's time) and stop the other thread with signals at every
  // collection.
  VmThreadArgs args{&cl, size_t(1) << 30, 0};
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, args.stackSize);
  pthread_t thread;
  if (pthread_create(&thread, &attr, vmMain, &args) != 0) {
    std::fprintf(stderr, "twosom: cannot create the VM thread\n");
    return 1;
  }
  pthread_join(thread, nullptr);
  exitVM(args.status);
}
