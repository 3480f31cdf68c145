#include "jit/tier2/ir.h"

#include <bit>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <utility>

#include "vm/universe.h"
#include "vm/value.h"

// Object layouts use single inheritance from Object; their field offsets are read here.
#pragma GCC diagnostic ignored "-Winvalid-offsetof"

namespace som::tier2 {

const IrOpInfo kIrOps[] = {
#define IROP(name, operands, flags) {#name, operands, flags},
#include "jit/tier2/ir.def"
#undef IROP
};

namespace {
bool isPure(IrOp op) { return kIrOps[uint8_t(op)].flags & Pure; }
constexpr IrRef kHolds = kNoRef - 1;  // fold(): a guard known to hold, nothing to emit
}  // namespace

IrRef Trace::append(const IrIns& i) {
  // (In a peeled loop's body, a value of the first iteration may stand for the previous
  // trip's: what the first iteration's guards said of it as a limit's counter is gone.)
  if (i.op == IrOp::HEAD)
    for (TagBits& t : tagBits_) t.atMost = kNoRef;
  ins_.push_back(i);
  tagBits_.push_back(deriveTagBits(i));
  if (i.op == IrOp::GUARDT || i.op == IrOp::GUARDF) learnFromGuard(i);
  return IrRef(ins_.size() - 1);
}

// Tag bits that follow from an operation's operands. Sums, differences and products of
// words with fully known low bits have known low bits (carries only go upwards).
Trace::TagBits Trace::deriveTagBits(const IrIns& i) const {
  constexpr uint8_t kAll = 7;
  TagBits a = tagBits(i.a), b = tagBits(i.b);
  switch (i.op) {
    case IrOp::KWORD: return {kAll, uint8_t(i.imm & kAll)};
    case IrOp::BAND: {
      uint8_t mask = (a.mask & b.mask) | (a.mask & ~a.bits) | (b.mask & ~b.bits);
      return {uint8_t(mask & kAll), uint8_t(a.bits & b.bits & mask)};
    }
    case IrOp::BOR: {
      uint8_t mask = (a.mask & b.mask) | (a.mask & a.bits) | (b.mask & b.bits);
      return {uint8_t(mask & kAll), uint8_t((a.bits | b.bits) & mask)};
    }
    case IrOp::BXOR: {
      uint8_t mask = a.mask & b.mask;
      return {mask, uint8_t((a.bits ^ b.bits) & mask)};
    }
    case IrOp::ADD:
    case IrOp::ADDOV:
      if (a.mask == kAll && b.mask == kAll) return {kAll, uint8_t((a.bits + b.bits) & kAll)};
      return {};
    case IrOp::SUB:
    case IrOp::SUBOV:
      if (a.mask == kAll && b.mask == kAll) return {kAll, uint8_t((a.bits - b.bits) & kAll)};
      return {};
    case IrOp::MULOV:
      if (a.mask == kAll && b.mask == kAll) return {kAll, uint8_t((a.bits * b.bits) & kAll)};
      return {};
    case IrOp::SELECT: {
      TagBits c = tagBits(i.c);
      uint8_t mask = b.mask & c.mask & ~(b.bits ^ c.bits);
      return {mask, uint8_t(b.bits & mask)};
    }
    case IrOp::EQ: case IrOp::LT: case IrOp::LE: case IrOp::ULT:
    case IrOp::FLT: case IrOp::FLE: case IrOp::FEQ:
      return {6, 0};  // 0 or 1
    case IrOp::BOXD: return {kAll, uint8_t(Tag::Double)};
    case IrOp::NEWBLK:
    case IrOp::NEWCTX:
    case IrOp::NEWARR: return {kAll, uint8_t(Tag::Pointer)};
    default: return {};
  }
}

// A guard that `(x & K) == C` (K within the tag bits) holds makes those bits of x known;
// known ones of an AND and known zeros of an OR are known of both operands too.
void Trace::learnFromGuard(const IrIns& guard) {
  learnRange(guard);
  const IrIns& cond = ins_[guard.a];
  if (guard.op != IrOp::GUARDT || cond.op != IrOp::EQ || !isConstant(cond.b)) return;
  const IrIns& masked = ins_[cond.a];
  if (masked.op != IrOp::BAND || !isConstant(masked.b)) return;
  uint64_t k = constant(masked.b), c = constant(cond.b);
  if (k > 7 || (c & ~k) != 0) return;
  learn(masked.a, uint8_t(k), uint8_t(c));
}

// Range facts from a comparison that held: x < y where both have the same known tag bits
// (two SmallIntegers, say) means x <= y - 8, so x has room above and y below; x <= K
// for a constant K has room above when K does, and so on. Enough to drop the overflow
// check of a loop counter's increment (`[i < n] whileTrue: [... i := i + 1]`).
void Trace::learnRange(const IrIns& guard) {
  const IrIns& cond = ins_[guard.a];
  if (cond.op != IrOp::LT && cond.op != IrOp::LE) return;
  // As `low < high` (strict) or `low <= high`: a failed LT is >=, a failed LE is >.
  bool holds = guard.op == IrOp::GUARDT;
  IrRef low = holds ? cond.a : cond.b, high = holds ? cond.b : cond.a;
  bool strict = (cond.op == IrOp::LT) == holds;
  constexpr int64_t kStep = 8;
  // (a constant bound: low <= K - 1 when strict)
  auto roomAbove = [&](IrRef r) { return isConstant(r) && int64_t(constant(r)) - strict <= INT64_MAX - kStep; };
  auto roomBelow = [&](IrRef r) { return isConstant(r) && int64_t(constant(r)) + strict >= INT64_MIN + kStep; };
  TagBits l = tagBits(low), h = tagBits(high);
  bool stepApart = strict && l.mask == 7 && h.mask == 7 && l.bits == h.bits;  // high - low >= 8
  if (stepApart || roomAbove(high) || (tagBits(high).room & kRoomAbove)) tagBits_[low].room |= kRoomAbove;
  else if (!isConstant(high)) tagBits_[low].atMost = high;
  if (stepApart || roomBelow(low) || (tagBits(low).room & kRoomBelow)) tagBits_[high].room |= kRoomBelow;
}

void Trace::learn(IrRef r, uint8_t mask, uint8_t bits) {
  TagBits& t = tagBits_[r];
  t.mask |= mask;
  t.bits = uint8_t((t.bits & ~mask) | (bits & mask));
  const IrIns& i = ins_[r];
  if (i.op == IrOp::BAND && (mask & bits)) {
    learn(i.a, mask & bits, mask & bits);
    learn(i.b, mask & bits, mask & bits);
  } else if (i.op == IrOp::BOR && (mask & ~bits)) {
    learn(i.a, uint8_t(mask & ~bits), 0);
    learn(i.b, uint8_t(mask & ~bits), 0);
  }
}

void Trace::truncate(size_t size) {
  ins_.resize(size);
  tagBits_.resize(size);
}

void Trace::seal() {
  shared_.release();
  std::vector<TagBits>().swap(tagBits_);
  ins_.shrink_to_fit();
  snapshots_.shrink_to_fit();
  for (Snapshot& s : snapshots_) {
    s.frames.shrink_to_fit();
    s.slots.shrink_to_fit();
  }
}

int32_t Trace::addSnapshot(Snapshot s) {
  snapshots_.push_back(std::move(s));
  return int32_t(snapshots_.size() - 1);
}

// Constant folding and algebraic simplification. Answers the replacement, or kNoRef to
// emit `i` (possibly rewritten).
IrRef Trace::fold(IrIns& i) {
  // Commutative operations take a constant operand second, so that the rules below
  // (x | 0, a comparison with a constant) see it and CSE finds 1 + x where it has x + 1.
  bool commutative = i.op == IrOp::BAND || i.op == IrOp::BOR || i.op == IrOp::BXOR || i.op == IrOp::ADD ||
                     i.op == IrOp::EQ;
  if (commutative && isConstant(i.a) && !isConstant(i.b)) std::swap(i.a, i.b);
  bool ka = isConstant(i.a), kb = isConstant(i.b);
  uint64_t a = ka ? constant(i.a) : 0, b = kb ? constant(i.b) : 0;
  switch (i.op) {
    case IrOp::BAND:
      if (ka && kb) return konst(a & b);
      if (i.a == i.b) return i.a;
      if (kb && b == ~uint64_t(0)) return i.a;
      if (kb && b <= 7 && (tagBits(i.a).mask & b) == b) return konst(tagBits(i.a).bits & b);  // a known tag
      break;
    case IrOp::BOR:
      if (ka && kb) return konst(a | b);
      if (i.a == i.b || (kb && b == 0)) return i.a;
      break;
    case IrOp::BXOR:
      if (ka && kb) return konst(a ^ b);
      if (i.a == i.b) return konst(0);
      if (kb && b == 0) return i.a;
      break;
    case IrOp::DIV:
    case IrOp::REM: {
      // (Not when the division would trap: a guard before it always fails then, and the
      // division is never reached.)
      bool traps = b == 0 || (int64_t(a) == INT64_MIN && int64_t(b) == -1);
      if (ka && kb && !traps)
        return konst(i.op == IrOp::DIV ? uint64_t(int64_t(a) / int64_t(b)) : uint64_t(int64_t(a) % int64_t(b)));
      if (kb && b == 1) return i.op == IrOp::DIV ? i.a : konst(0);
      break;
    }
    case IrOp::ADD:
      if (ka && kb) return konst(a + b);
      if (kb && b == 0) return i.a;
      break;
    case IrOp::SUB:
      if (ka && kb) return konst(a - b);
      if (kb && b == 0) return i.a;
      if (i.a == i.b) return konst(0);
      break;
    case IrOp::SAR:
      if (ka) return konst(uint64_t(int64_t(a) >> i.imm));
      if (i.imm == 0) return i.a;
      break;
    case IrOp::EQ:
      if (ka && kb) return konst(a == b);
      if (i.a == i.b) return konst(1);
      // A Boolean made by a comparison, compared with a constant (a conditional jump on
      // its result): the comparison itself, or its negation.
      if (kb && ins_[i.a].op == IrOp::SELECT && isConstant(ins_[i.a].b) && isConstant(ins_[i.a].c) &&
          constant(ins_[i.a].b) != constant(ins_[i.a].c)) {
        IrRef c = ins_[i.a].a;
        if (b == constant(ins_[i.a].b)) return c;
        if (b == constant(ins_[i.a].c)) return emit(IrOp::EQ, c, konst(0));
        return konst(0);
      }
      break;
    case IrOp::LT:
      if (ka && kb) return konst(int64_t(a) < int64_t(b));
      if (i.a == i.b) return konst(0);
      break;
    case IrOp::LE:
      if (ka && kb) return konst(int64_t(a) <= int64_t(b));
      if (i.a == i.b) return konst(1);
      break;
    case IrOp::ULT:
      if (ka && kb) return konst(a < b);
      if (i.a == i.b) return konst(0);
      break;
    case IrOp::SELECT:
      if (ka) return a ? i.b : i.c;
      if (i.b == i.c) return i.b;
      break;
    case IrOp::LOADB:
      if (isObjectConstant(i.a)) return konst(*reinterpret_cast<const uint8_t*>(a + uint64_t(i.imm)));
      if (ins_[i.a].op == IrOp::NEWARR && i.imm == int64_t(offsetof(Object, kind))) return konst(uint64_t(Kind::Array));
      break;
    case IrOp::LOADF:
      // What never changes in an object the trace knows is a constant too (a literal
      // String's length and characters, a global's class).
      if (isObjectConstant(i.a)) return konst(*reinterpret_cast<const uint64_t*>(a + uint64_t(i.imm)));
      if (ins_[i.a].op == IrOp::NEWCTX && i.imm == int64_t(offsetof(Context, outer))) return ins_[i.a].a;
      if (ins_[i.a].op == IrOp::NEWARR) {
        if (i.imm == kArrayLengthOffset) return konst(uint64_t(ins_[i.a].imm));
        if (i.imm == int64_t(offsetof(Object, cls))) return konst(reinterpret_cast<uint64_t>(U.arrayClass));
      }
      if (ins_[i.a].op == IrOp::NEWBLK) {  // blocks are immutable: their fields are known
        const IrIns& block = ins_[i.a];
        if (i.imm == int64_t(offsetof(Object, cls)))
          return konst(reinterpret_cast<uint64_t>(U.blockClasses[reinterpret_cast<Method*>(block.imm)->numArgs - 1]));
        if (i.imm == int64_t(offsetof(Block, code))) return konst(uint64_t(block.imm));
        if (i.imm == int64_t(offsetof(Block, outer))) return block.a;
        if (i.imm == int64_t(offsetof(Block, self))) return block.b;
      }
      break;
    case IrOp::LOAD:
      if (ins_[i.a].op == IrOp::NEWCTX && i.imm >= int64_t(offsetof(Context, vars))) return storedWord(i.a, i.imm);
      break;
    case IrOp::LOADX:
      if (ins_[i.a].op == IrOp::NEWARR && kb) return storedWord(i.a, i.imm + 8 * int64_t(b));
      break;
    case IrOp::ADDOV:
    case IrOp::SUBOV: {
      // A step of at most 8 from a value with room for it (learnRange) cannot overflow.
      // A counter at most a limit (`i <= n` in to:do:) has room if the limit has: a guard
      // says so, which a peeled loop establishes once, before its body (n is invariant).
      if (!kb || int64_t(b) < -8 || int64_t(b) > 8) break;
      bool up = (i.op == IrOp::ADDOV) == (int64_t(b) > 0);
      IrRef limit = tagBits(i.a).atMost;
      if (up && !(tagBits(i.a).room & kRoomAbove) && limit != kNoRef) {
        IrRef roomy = emit(IrOp::LT, limit, konst(uint64_t(INT64_MAX - 7)));
        emit(IrOp::GUARDT, roomy, kNoRef, kNoRef, 0, i.snapshot);  // (learns the limit's room)
        if (tagBits(limit).room & kRoomAbove) tagBits_[i.a].room |= kRoomAbove;
      }
      if (tagBits(i.a).room & (up ? kRoomAbove : kRoomBelow))
        return emit(i.op == IrOp::ADDOV ? IrOp::ADD : IrOp::SUB, i.a, i.b);
      break;
    }
    case IrOp::UNBOXD:
      if (ka) return konst(std::bit_cast<uint64_t>(Value::fromRaw(a).asImmediateDouble()));
      if (ins_[i.a].op == IrOp::BOXD) return ins_[i.a].a;  // the double just boxed
      break;
    case IrOp::GUARDT:
    case IrOp::GUARDF:
      if (ka) {
        if ((a != 0) == (i.op == IrOp::GUARDT)) return kHolds;
        failingGuard_ = true;  // emitted: it always exits
      }
      break;
    default:
      break;
  }
  return kNoRef;
}

// Store-to-load forwarding for an object the trace made (a context's variable, an Array's
// element at a constant index): the word holds what the trace last stored there, or nil,
// as long as nothing else can have written it. Only code that reaches the object through
// memory can, and for that the object (or a block over a context) must have escaped the
// trace's view: a call (a leaf primitive too, for an Array), or a store elsewhere that may
// hit the same word (through a reference loaded from memory, not into another object the
// trace made), ends the search conservatively. With its loads forwarded, an object that does not escape is left to
// the exits (regalloc.cpp).
IrRef Trace::storedWord(IrRef object, int64_t offset) {
  bool isArray = ins_[object].op == IrOp::NEWARR;
  for (IrRef n = IrRef(ins_.size()); n-- > object;) {
    if (n == object) return konst(U.nil.raw());
    const IrIns& i = ins_[n];
    if (i.op == IrOp::CALLM || (isArray && i.op == IrOp::CALLP)) return kNoRef;
    if (i.op != IrOp::STORE && i.op != IrOp::STOREX) continue;
    IrOp base = ins_[i.a].op;
    if (i.a != object && (base == IrOp::NEWCTX || base == IrOp::NEWARR)) continue;  // another new object
    std::optional<int64_t> at = storeOffset(i);
    if (at && *at != offset) continue;
    return at && i.a == object ? storedValue(i) : kNoRef;
  }
  return kNoRef;
}

std::optional<int64_t> Trace::storeOffset(const IrIns& store) const {
  if (store.op == IrOp::STORE) return store.imm;
  if (isConstant(store.b)) return store.imm + 8 * int64_t(constant(store.b));
  return std::nullopt;
}

size_t Trace::CseTable::indexOf(const Key& k) const {
  uint64_t h = uint64_t(k.op) ^ (uint64_t(k.a) << 8) ^ (uint64_t(k.b) << 29) ^ (uint64_t(k.c) << 45) ^
               uint64_t(k.imm) * 0xFF51AFD7ED558CCDull;
  // (Fibonacci hashing: the product's high bits depend on all of h's)
  return size_t((h * 0x9E3779B97F4A7C15ull) >> (64 - std::countr_zero(entries_.size())));
}

IrRef Trace::CseTable::find(const Key& k) const {
  if (entries_.empty()) return kNoRef;
  size_t mask = entries_.size() - 1;
  for (size_t n = indexOf(k);; n = (n + 1) & mask) {
    const Entry& e = entries_[n];
    if (e.ref == kNoRef) return kNoRef;
    if (e.key == k) return e.ref;
  }
}

void Trace::CseTable::insert(const Key& k, IrRef r) {
  if (2 * (used_ + 1) > entries_.size()) {
    std::vector<Entry> old = std::move(entries_);
    entries_.assign(old.empty() ? 256 : 2 * old.size(), Entry{});
    used_ = 0;
    for (const Entry& e : old)
      if (e.ref != kNoRef) insert(e.key, e.ref);
  }
  size_t mask = entries_.size() - 1;
  size_t n = indexOf(k);
  while (entries_[n].ref != kNoRef) n = (n + 1) & mask;
  entries_[n] = {k, r};
  used_++;
}

void Trace::CseTable::release() {
  std::vector<Entry>().swap(entries_);
  used_ = 0;
}

IrRef Trace::emit(IrOp op, IrRef a, IrRef b, IrRef c, int64_t imm, int32_t snapshot) {
  IrIns i{op, a, b, c, imm, snapshot};
  IrRef folded = fold(i);
  if (folded == kHolds) return kNoRef;
  if (folded != kNoRef) return folded;
  bool isGuardOnCondition = op == IrOp::GUARDT || op == IrOp::GUARDF;
  if (isPure(op) || isGuardOnCondition) {
    Key key{i.op, i.a, i.b, i.c, i.imm};  // (as folding left it: commuted, say)
    IrRef found = shared_.find(key);
    if (found != kNoRef) return isGuardOnCondition ? kNoRef : found;
    IrRef r = append(i);
    shared_.insert(key, r);
    return r;
  }
  return append(i);
}

namespace {
template <class... Args>
void appendf(std::string& out, const char* format, Args... args) {
  char buffer[96];
  std::snprintf(buffer, sizeof buffer, format, args...);
  out += buffer;
}
}  // namespace

std::string Trace::dump() const {
  std::string out;
  for (size_t n = 0; n < ins_.size(); n++) {
    const IrIns& i = ins_[n];
    const IrOpInfo& info = kIrOps[uint8_t(i.op)];
    appendf(out, "%04zu %-7s", n, info.name);
    const IrRef ops[] = {i.a, i.b, i.c};
    for (int k = 0; k < info.operands; k++) appendf(out, " %04u", ops[k]);
    if (i.op == IrOp::KWORD) appendf(out, " 0x%llx", static_cast<unsigned long long>(i.imm));
    else if (i.imm) appendf(out, " #%lld", static_cast<long long>(i.imm));
    if (i.snapshot >= 0) {
      const Snapshot& s = snapshots_[size_t(i.snapshot)];
      appendf(out, "   [snap %d:", i.snapshot);
      for (const SnapFrame& f : s.frames) appendf(out, " pc %u depth %u base %u;", f.pc, f.depth, f.base);
      for (auto& [slot, ref] : s.slots) appendf(out, " %u=%04u", slot, ref);
      if (s.unwinding) out += " unwinding";
      out += "]";
    }
    out += '\n';
  }
  return out;
}

}  // namespace som::tier2
