// Exit stubs (see exit_map.h): compact ones and the shared handler behind them, which
// interprets an exit's map, and native ones compiled from the same map.
#include <algorithm>

#include "jit/backend/code_cache.h"
#include "jit/backend/double_encoding.h"
#include "jit/tier2/trace_assembler.h"

namespace som::tier2 {
namespace {

// What a native exit stub made and wrote aside (exit_map.h), while the stub runs: the
// words aside are not scanned by the collector, and a later write of the same stub may
// allocate. In static storage, which the collector scans; the stub clears it at the end.
// Index: the aside word's, closures first (at most 16 of each: maxinline).
uint64_t madeAside[2 * 16];

// The shared handler saves all sixteen general registers (rsp's word unused), indexed by
// register id, just below the trace's spill area.
constexpr int kSavedRegisters = 16;

uint64_t valueAt(const Location& l, const uint64_t* registers) {
  switch (l.kind) {
    case Location::Register: return registers[l.regId];
    case Location::Stack:
      return *reinterpret_cast<const uint64_t*>(reinterpret_cast<const uint8_t*>(registers + kSavedRegisters) +
                                                l.offset);
    case Location::Constant: return l.constant;
    case Location::None: break;
  }
  std::fprintf(stderr, "tier2: a value without a location\n");
  std::abort();
}

// Called by the shared handler: writes the exit's words and answers where it goes on.
// (Allocations may collect: the registers are on the native stack, which the collector
// scans, and the words written so far are on the VM stack below its high-water mark.)
const void* restoreExit(const ExitMap* map, const uint64_t* registers) {
  Value* slots = reinterpret_cast<Value*>(registers[kSlots.id()]);
  struct Computed {
    IrRef ref;
    uint64_t value;
  };
  Computed computed[64];  // (on the native stack: the collector scans it)
  size_t count = 0;
  auto computedFor = [&](IrRef ref) {
    size_t k = 0;
    while (k < count && computed[k].ref != ref) k++;
    return k;
  };
  map->exits->forEachWrite(map->snapshot, [&](const ExitWrite& w) {
    uint64_t v = 0;
    size_t k = computedFor(w.ref);
    if (w.op != ExitWrite::Copy && k < count) {
      v = computed[k].value;
    } else {
      switch (w.op) {
        case ExitWrite::Copy: v = valueAt(w.a, registers); break;
        case ExitWrite::BoxDouble: v = boxDoubleAtExit(valueAt(w.a, registers)); break;
        case ExitWrite::NewBlock: {
          // (an outer context made here was written first: forEachWrite)
          uint64_t outer = w.outer != kNoRef ? computed[computedFor(w.outer)].value : valueAt(w.a, registers);
          v = newBlockFromTrace(reinterpret_cast<Method*>(w.imm), reinterpret_cast<Context*>(outer),
                                valueAt(w.b, registers));
          break;
        }
        case ExitWrite::NewContext:
        case ExitWrite::NewArray:
          v = w.op == ExitWrite::NewArray
                  ? newArrayFromTrace(w.imm)
                  : newContextFromTrace(reinterpret_cast<Method*>(w.imm), reinterpret_cast<Context*>(valueAt(w.a, registers)));
          map->exits->forEachField(w.ref, map->snapshot, [&](const ExitField& f) {
            *reinterpret_cast<uint64_t*>(v + uint64_t(f.offset)) = valueAt(f.value, registers);
          });
          break;
        case ExitWrite::Select:
          v = valueAt(w.a, registers) ? valueAt(w.b, registers) : valueAt(w.c, registers);
          break;
      }
      // (past 64, a value written twice would be computed twice: no exit has that many)
      if (w.op != ExitWrite::Copy && count < std::size(computed)) computed[count++] = {w.ref, v};
    }
    if (w.aside) *w.aside = v;
    else slots[w.slot] = Value::fromRaw(v);
  });
  return map->exits->targets[map->snapshot];
}

// Calls a native function from a native exit stub: every register that may hold a value
// of the trace is saved around it; `setArguments` loads the argument registers (after the
// saves; it must not read rsp-relative spill words). The result is in kAcc.
template <class F>
void callFromExit(Assembler& a, const void* fn, F&& setArguments) {
  const Gp saved[] = {kSlots, kFrame, rax, rcx, rdx, r8};  // (an even number: rsp stays aligned)
  for (const Gp& g : saved) a.push(g);
  setArguments();
  a.mov(rax, reinterpret_cast<uint64_t>(fn));
  a.call(rax);
  a.mov(kAcc, rax);
  for (size_t k = std::size(saved); k-- > 0;) a.pop(saved[k]);
}

// dst := the word that `known` wrote earlier in the same native stub.
void loadWritten(Assembler& a, const Gp& dst, const ExitWrite& known) {
  if (known.aside) {
    a.mov(dst, reinterpret_cast<uint64_t>(known.aside));
    a.mov(dst, qword_ptr(dst));
  } else {
    a.mov(dst, qword_ptr(kSlots, 8 * known.slot));
  }
}

// kAcc := the value a native stub writes for `w`; `outer` is the earlier write of the
// context the exit made for a NewBlock's w.outer.
void emitValue(Assembler& a, const ExitMap& map, const ExitWrite& w, const ExitWrite* outer) {
  switch (w.op) {
    case ExitWrite::Copy:
      loadLocation(a, kAcc, w.a);
      return;
    case ExitWrite::Select:
      loadLocation(a, kTmp, w.b);
      loadLocation(a, kTmp2, w.c);
      if (w.a.kind == Location::Register) a.cmp(w.a.reg(), 0);
      else if (w.a.kind == Location::Stack) a.cmp(qword_ptr(rsp, w.a.offset), 0);
      else {
        loadLocation(a, kAcc, w.a);
        a.cmp(kAcc, 0);
      }
      a.cmovne(kTmp2, kTmp);
      a.mov(kAcc, kTmp2);
      return;
    case ExitWrite::NewBlock:
      // (operands to scratch registers before the saves move rsp)
      if (outer) loadWritten(a, kTmp, *outer);
      else loadLocation(a, kTmp, w.a);
      loadLocation(a, kTmp2, w.b);
      callFromExit(a, reinterpret_cast<const void*>(&newBlockFromTrace), [&] {
        a.mov(rdi, w.imm);
        a.mov(rsi, kTmp);
        a.mov(rdx, kTmp2);
      });
      return;
    case ExitWrite::NewContext:
    case ExitWrite::NewArray:
      if (w.op == ExitWrite::NewArray) {
        callFromExit(a, reinterpret_cast<const void*>(&newArrayFromTrace), [&] { a.mov(rdi, w.imm); });
      } else {
        loadLocation(a, kTmp, w.a);
        callFromExit(a, reinterpret_cast<const void*>(&newContextFromTrace), [&] {
          a.mov(rdi, w.imm);
          a.mov(rsi, kTmp);
        });
      }
      map.exits->forEachField(w.ref, map.snapshot, [&](const ExitField& f) {
        loadLocation(a, kTmp, f.value);
        a.mov(qword_ptr(kAcc, f.offset), kTmp);
      });
      return;
    case ExitWrite::BoxDouble: {
      Label slow = a.newLabel(), done = a.newLabel();
      loadLocation(a, kAcc, w.a);
      jit::emitBoxDouble(a, kAcc, kTmp, slow);
      a.jmp(done);
      a.bind(slow);
      callFromExit(a, reinterpret_cast<const void*>(&boxDoubleAtExit), [&] { a.mov(rdi, kAcc); });
      a.bind(done);
      return;
    }
  }
}

}  // namespace

ExitWrite TraceExits::write(IrRef ref, uint32_t s) const {
  ExitWrite w;
  w.ref = ref;
  if (!atExit[ref]) {
    w.a = locations[ref];
    return w;
  }
  const IrIns& i = trace->instructions()[ref];
  switch (i.op) {
    case IrOp::SELECT: {
      IrRef guard = onlyGuard[s];
      if (conditionKnownAtExit(trace->instructions(), guard, ref)) {
        w.a = locations[trace->instructions()[guard].op == IrOp::GUARDF ? i.b : i.c];
        return w;
      }
      w.op = ExitWrite::Select;
      w.a = locations[i.a];
      w.b = locations[i.b];
      w.c = locations[i.c];
      return w;
    }
    case IrOp::NEWBLK:
      w.op = ExitWrite::NewBlock;
      w.imm = uint64_t(i.imm);
      if (atExit[i.a]) w.outer = i.a;
      else w.a = locations[i.a];
      w.b = locations[i.b];
      return w;
    case IrOp::NEWCTX:
    case IrOp::NEWARR:
      // (its words as the trace's stores left them where the exit's state was taken)
      w.op = i.op == IrOp::NEWCTX ? ExitWrite::NewContext : ExitWrite::NewArray;
      w.imm = uint64_t(i.imm);
      if (i.op == IrOp::NEWCTX) w.a = locations[i.a];
      return w;
    default:  // BOXD
      w.op = ExitWrite::BoxDouble;
      w.a = locations[i.a];
      return w;
  }
}

const void* sharedExitHandler() {
  static const void* handler = [] {
    CodeHolder code;
    code.init(jit::CodeCache::instance().environment());
    Assembler a(&code);
    for (int id = kSavedRegisters; id-- > 0;) a.push(id == int(rsp.id()) ? kAcc : gpq(uint32_t(id)));
    a.mov(rdi, kAcc);
    a.mov(rsi, rsp);
    a.mov(rax, reinterpret_cast<uint64_t>(&restoreExit));
    a.call(rax);
    a.mov(kSlots, qword_ptr(rsp, 8 * int32_t(kSlots.id())));
    a.mov(kFrame, qword_ptr(rsp, 8 * int32_t(kFrame.id())));
    a.mov(kAcc, qword_ptr(rsp, 8 * int32_t(kAcc.id())));  // the map, for the return
    a.add(rsp, 8 * kSavedRegisters);
    a.jmp(rax);
    return static_cast<const void*>(jit::CodeCache::instance().add(code, "som-tier2 shared exit handler"));
  }();
  return handler;
}

void emitCompactExitStub(Assembler& a, const ExitMap& map) {
  a.mov(kAcc, reinterpret_cast<uint64_t>(&map));
  a.jmp(qword_ptr(kAcc));
}

void emitNativeExitStub(Assembler& a, const ExitMap& map) {
  // A value computed here is computed once (an allocation written to two words is one
  // object): later writes read the word it went to.
  std::vector<ExitWrite> computed;
  std::vector<int32_t> keptAlive;
  auto madeAsideIndex = [&](const ExitWrite& w) {
    return int32_t(w.aside >= map.exits->contexts ? 16 + (w.aside - map.exits->contexts) : w.aside - map.exits->closures);
  };
  map.exits->forEachWrite(map.snapshot, [&](const ExitWrite& w) {
    auto writeOf = [&](IrRef ref) {
      auto k = std::find_if(computed.begin(), computed.end(), [&](const ExitWrite& c) { return c.ref == ref; });
      return k == computed.end() ? nullptr : &*k;
    };
    const ExitWrite* known = writeOf(w.ref);
    if (w.op != ExitWrite::Copy && known) {
      loadWritten(a, kAcc, *known);
    } else {
      emitValue(a, map, w, w.outer != kNoRef ? writeOf(w.outer) : nullptr);
      if (w.op != ExitWrite::Copy) computed.push_back(w);
      if (w.op != ExitWrite::Copy && w.aside) {
        keptAlive.push_back(madeAsideIndex(w));
        a.mov(kTmp, reinterpret_cast<uint64_t>(madeAside + keptAlive.back()));
        a.mov(qword_ptr(kTmp), kAcc);
      }
    }
    if (w.aside) {
      a.mov(kTmp, reinterpret_cast<uint64_t>(w.aside));
      a.mov(qword_ptr(kTmp), kAcc);
    } else {
      a.mov(qword_ptr(kSlots, 8 * w.slot), kAcc);
    }
  });
  for (int32_t k : keptAlive) {
    a.mov(kTmp, reinterpret_cast<uint64_t>(madeAside + k));
    a.mov(qword_ptr(kTmp), 0);
  }
  a.mov(kTmp, reinterpret_cast<uint64_t>(map.exits->targets + map.snapshot));
  a.mov(kAcc, reinterpret_cast<uint64_t>(&map));  // (for the return)
  a.jmp(qword_ptr(kTmp));
}

const void* compileNativeExitStub(const ExitMap& map, const std::string& name) {
  CodeHolder code;
  code.init(jit::CodeCache::instance().environment());
  Assembler a(&code);
  emitNativeExitStub(a, map);
  return jit::CodeCache::instance().add(code, name);
}

}  // namespace som::tier2
