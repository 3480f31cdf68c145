// The tier-2 IR's emit-time optimizations, as IR before and after: constant folding,
// algebraic simplification, common-subexpression sharing and guard elimination.
#include <gtest/gtest.h>

#include <bit>
#include <vector>

#include "jit/tier2/ir.h"
#include "vm/objects.h"
#include "vm/universe.h"
#include "vm/value.h"

// Object layouts use single inheritance from Object; their field offsets are read here.
#pragma GCC diagnostic ignored "-Winvalid-offsetof"

using namespace som::tier2;

namespace {

// The ops of a trace, one name per instruction, for compact before/after comparisons.
std::string ops(const Trace& t) {
  std::string out;
  for (const IrIns& i : t.instructions()) {
    if (!out.empty()) out += ' ';
    out += kIrOps[uint8_t(i.op)].name;
  }
  return out;
}

TEST(TraceIr, ConstantsFold) {
  Trace t;
  IrRef sum = t.emit(IrOp::ADD, t.konst(40), t.konst(2));
  ASSERT_TRUE(t.isConstant(sum));
  EXPECT_EQ(t.constant(sum), 42u);
  EXPECT_EQ(t.constant(t.emit(IrOp::BAND, t.konst(0x1F), t.konst(7))), 7u);
  EXPECT_EQ(t.constant(t.emit(IrOp::SAR, t.konst(uint64_t(-16)), kNoRef, kNoRef, 3)), uint64_t(-2));
  EXPECT_EQ(t.constant(t.emit(IrOp::LT, t.konst(uint64_t(-1)), t.konst(1))), 1u);   // signed
  EXPECT_EQ(t.constant(t.emit(IrOp::ULT, t.konst(uint64_t(-1)), t.konst(1))), 0u);  // unsigned
  // Only constants are left: KWORD 40, 2, 42, 0x1F, 7, -16, -2, -1, 1, 0.
  EXPECT_EQ(ops(t).find("ADD"), std::string::npos);
  EXPECT_EQ(ops(t).find("BAND"), std::string::npos);
}

// Division folds like the machine's idiv (truncated, remainder with the dividend's sign),
// except where idiv would trap: such a division sits behind a guard that always fails.
TEST(TraceIr, DivisionFoldsUnlessItWouldTrap) {
  Trace t;
  EXPECT_EQ(t.constant(t.emit(IrOp::DIV, t.konst(uint64_t(-56)), t.konst(16))), uint64_t(-3));
  EXPECT_EQ(t.constant(t.emit(IrOp::REM, t.konst(uint64_t(-56)), t.konst(16))), uint64_t(-8));
  EXPECT_EQ(t.constant(t.emit(IrOp::BXOR, t.konst(0x0F), t.konst(0x3C))), 0x33u);
  IrRef x = t.emit(IrOp::SLOAD, kNoRef, kNoRef, kNoRef, 1);
  EXPECT_EQ(t.emit(IrOp::DIV, x, t.konst(1)), x);
  EXPECT_EQ(t.constant(t.emit(IrOp::REM, x, t.konst(1))), 0u);
  EXPECT_EQ(t.constant(t.emit(IrOp::BXOR, x, x)), 0u);
  IrRef byZero = t.emit(IrOp::DIV, t.konst(8), t.konst(0));
  EXPECT_FALSE(t.isConstant(byZero));
  IrRef overflowing = t.emit(IrOp::REM, t.konst(uint64_t(INT64_MIN)), t.konst(uint64_t(-1)));
  EXPECT_FALSE(t.isConstant(overflowing));
}

// What never changes in a constant object (a literal String's length and characters) is
// read when the trace is made; not after a guard that always fails (the object may be
// none: the recording never got there).
TEST(TraceIr, FixedFieldsOfConstantObjectsFold) {
  alignas(8) static const uint64_t object[3] = {0, 0x2a, 0x6261};
  Trace t;
  IrRef o = t.konst(reinterpret_cast<uint64_t>(object));
  EXPECT_EQ(t.constant(t.emit(IrOp::LOADF, o, kNoRef, kNoRef, 8)), 0x2au);
  EXPECT_EQ(t.constant(t.emit(IrOp::LOADB, o, kNoRef, kNoRef, 17)), 0x62u);
  EXPECT_FALSE(t.isConstant(t.emit(IrOp::LOAD, o, kNoRef, kNoRef, 8)));  // (a field that may change)
  EXPECT_FALSE(t.isConstant(t.emit(IrOp::LOADF, t.konst(0x2b), kNoRef, kNoRef, 8)));  // not a pointer
  t.emit(IrOp::GUARDT, t.konst(0));
  ASSERT_TRUE(t.hasFailingGuard());
  EXPECT_FALSE(t.isConstant(t.emit(IrOp::LOADF, o, kNoRef, kNoRef, 16)));
}

TEST(TraceIr, ConstantsAreShared) {
  Trace t;
  EXPECT_EQ(t.konst(7), t.konst(7));
  EXPECT_NE(t.konst(7), t.konst(8));
  EXPECT_EQ(ops(t), "KWORD KWORD");
}

TEST(TraceIr, AlgebraicIdentities) {
  Trace t;
  IrRef x = t.emit(IrOp::SLOAD, kNoRef, kNoRef, kNoRef, 1);
  EXPECT_EQ(t.emit(IrOp::ADD, x, t.konst(0)), x);
  EXPECT_EQ(t.emit(IrOp::SUB, x, t.konst(0)), x);
  EXPECT_EQ(t.emit(IrOp::BOR, x, t.konst(0)), x);
  EXPECT_EQ(t.emit(IrOp::BAND, x, x), x);
  EXPECT_EQ(t.constant(t.emit(IrOp::SUB, x, x)), 0u);
  EXPECT_EQ(t.constant(t.emit(IrOp::EQ, x, x)), 1u);
  EXPECT_EQ(t.constant(t.emit(IrOp::LT, x, x)), 0u);
  IrRef c = t.emit(IrOp::EQ, x, t.konst(9));
  EXPECT_EQ(t.emit(IrOp::SELECT, t.konst(1), x, c), x);
  EXPECT_EQ(t.emit(IrOp::SELECT, c, x, x), x);
  EXPECT_EQ(ops(t), "SLOAD KWORD KWORD KWORD EQ");  // the constants 0, 1 and 9, then x = 9
}

// A constant operand of a commutative operation goes second: 0 | x is x, and 1 + x is the
// instruction x + 1 already emitted.
TEST(TraceIr, CommutativeOperationsTakeTheirConstantSecond) {
  Trace t;
  IrRef x = t.emit(IrOp::SLOAD, kNoRef, kNoRef, kNoRef, 1);
  EXPECT_EQ(t.emit(IrOp::BOR, t.konst(0), x), x);
  EXPECT_EQ(t.emit(IrOp::BXOR, t.konst(0), x), x);
  EXPECT_EQ(t.emit(IrOp::ADD, t.konst(0), x), x);
  IrRef inc = t.emit(IrOp::ADD, x, t.konst(1));
  EXPECT_EQ(t.emit(IrOp::ADD, t.konst(1), x), inc);
  IrRef isNine = t.emit(IrOp::EQ, t.konst(9), x);
  EXPECT_EQ(t.instructions()[isNine].a, x);
  EXPECT_EQ(t.emit(IrOp::EQ, x, t.konst(9)), isNine);
  // (not the order of operands of an operation that is not commutative)
  IrRef diff = t.emit(IrOp::SUB, t.konst(1), x);
  EXPECT_EQ(t.instructions()[diff].b, x);
}

// The CSE table grows past its first size without losing entries: every instruction
// emitted again is the one emitted first.
TEST(TraceIr, SharingSurvivesTheTableGrowing) {
  Trace t;
  IrRef x = t.emit(IrOp::SLOAD, kNoRef, kNoRef, kNoRef, 1);
  std::vector<IrRef> sums;
  for (uint64_t k = 1; k <= 2000; k++) sums.push_back(t.emit(IrOp::ADD, x, t.konst(k)));
  size_t size = t.size();
  for (uint64_t k = 1; k <= 2000; k++) EXPECT_EQ(t.emit(IrOp::ADD, x, t.konst(k)), sums[k - 1]);
  EXPECT_EQ(t.size(), size);
}

// A sealed trace (compiled, kept for its exits) has the same instructions and snapshots.
TEST(TraceIr, SealingKeepsInstructionsAndSnapshots) {
  Trace t;
  int32_t snap = t.addSnapshot({{{nullptr, 0, 11, 2}}, {{13, 0}}});
  IrRef x = t.emit(IrOp::SLOAD, kNoRef, kNoRef, kNoRef, 2);
  t.emit(IrOp::GUARDT, t.emit(IrOp::EQ, t.emit(IrOp::BAND, x, t.konst(7)), t.konst(1)), kNoRef, kNoRef, 0, snap);
  std::string before = t.dump();
  t.seal();
  EXPECT_EQ(t.dump(), before);
  ASSERT_EQ(t.snapshots().size(), 1u);
  EXPECT_EQ(t.snapshots()[0].frames[0].pc, 11u);
}

// A tag test repeated before its guard is the same instruction; after the guard held,
// the tag is known and the test is the constant true, whose guard disappears.
TEST(TraceIr, PureInstructionsAndEstablishedGuardsAreShared) {
  Trace t;
  int32_t snap = t.addSnapshot({});
  IrRef x = t.emit(IrOp::SLOAD, kNoRef, kNoRef, kNoRef, 2);
  auto tagTest = [&] {
    IrRef tag = t.emit(IrOp::BAND, x, t.konst(7));
    IrRef one = t.konst(1);
    return t.emit(IrOp::EQ, tag, one);
  };
  IrRef first = tagTest();
  EXPECT_EQ(tagTest(), first);
  t.emit(IrOp::GUARDT, first, kNoRef, kNoRef, 0, snap);
  IrRef again = tagTest();
  ASSERT_TRUE(t.isConstant(again));
  EXPECT_EQ(t.constant(again), 1u);
  EXPECT_EQ(t.emit(IrOp::GUARDT, again, kNoRef, kNoRef, 0, snap), kNoRef);
  EXPECT_EQ(ops(t), "SLOAD KWORD BAND KWORD EQ GUARDT");
}

// The two-operand SmallInteger test of the handlers ((a & b) & 7 == 1, (a | b) & 6 == 0)
// teaches the tags of both operands; sums of known SmallIntegers and boxed Doubles have
// known tags; so the next bytecode's tests fold away.
TEST(TraceIr, TagsLearnedFromGuardsAndOperations) {
  Trace t;
  int32_t snap = t.addSnapshot({});
  IrRef a = t.emit(IrOp::SLOAD, kNoRef, kNoRef, kNoRef, 1);
  IrRef b = t.emit(IrOp::SLOAD, kNoRef, kNoRef, kNoRef, 2);
  IrRef andTag = t.emit(IrOp::EQ, t.emit(IrOp::BAND, t.emit(IrOp::BAND, a, b), t.konst(7)), t.konst(1));
  IrRef orTag = t.emit(IrOp::EQ, t.emit(IrOp::BAND, t.emit(IrOp::BOR, a, b), t.konst(6)), t.konst(0));
  t.emit(IrOp::GUARDT, andTag, kNoRef, kNoRef, 0, snap);
  t.emit(IrOp::GUARDT, orTag, kNoRef, kNoRef, 0, snap);
  EXPECT_EQ(t.tagBits(a).mask, 7);
  EXPECT_EQ(t.tagBits(a).bits, 1);
  EXPECT_EQ(t.tagBits(b).bits, 1);
  std::string before = ops(t);
  IrRef sum = t.emit(IrOp::ADDOV, a, t.konst(8), kNoRef, 0, snap);  // a + (1 - 1) as the handler adds
  EXPECT_EQ(t.constant(t.emit(IrOp::BAND, sum, t.konst(7))), 1u);
  IrRef boxed = t.emit(IrOp::BOXD, t.emit(IrOp::FADD, t.emit(IrOp::UNBOXD, a), t.emit(IrOp::UNBOXD, b)),
                       kNoRef, kNoRef, 0, snap);
  EXPECT_EQ(t.constant(t.emit(IrOp::BAND, boxed, t.konst(7))), 2u);
  EXPECT_EQ(ops(t), before + " KWORD ADDOV UNBOXD UNBOXD FADD BOXD KWORD");
}

// Unboxing a Double that the trace just boxed is the double itself; unboxing a constant
// is a constant.
TEST(TraceIr, UnboxingFolds) {
  Trace t;
  int32_t snap = t.addSnapshot({});
  IrRef x = t.emit(IrOp::SLOAD, kNoRef, kNoRef, kNoRef, 1);
  IrRef product = t.emit(IrOp::FMUL, t.emit(IrOp::UNBOXD, x), t.emit(IrOp::UNBOXD, x));
  IrRef boxed = t.emit(IrOp::BOXD, product, kNoRef, kNoRef, 0, snap);
  EXPECT_EQ(t.emit(IrOp::UNBOXD, boxed), product);
  IrRef two = t.emit(IrOp::UNBOXD, t.konst(som::Value::fromImmediateDouble(2.0).raw()));
  ASSERT_TRUE(t.isConstant(two));
  EXPECT_EQ(std::bit_cast<double>(t.constant(two)), 2.0);
}

// A conditional jump on a comparison's Boolean guards on the comparison itself.
TEST(TraceIr, BranchesOnComparisonResultsBecomeTheComparison) {
  Trace t;
  IrRef x = t.emit(IrOp::SLOAD, kNoRef, kNoRef, kNoRef, 1);
  IrRef less = t.emit(IrOp::LT, x, t.konst(9));
  IrRef yes = t.konst(0x1000), no = t.konst(0x2000);
  IrRef boolean = t.emit(IrOp::SELECT, less, yes, no);
  EXPECT_EQ(t.emit(IrOp::EQ, boolean, yes), less);
  IrRef negated = t.emit(IrOp::EQ, boolean, no);
  EXPECT_EQ(t.instructions()[negated].op, IrOp::EQ);
  EXPECT_EQ(t.instructions()[negated].a, less);
  EXPECT_EQ(t.constant(t.emit(IrOp::EQ, boolean, t.konst(0x3000))), 0u);
}

TEST(TraceIr, GuardsOnConstantsDisappear) {
  Trace t;
  int32_t snap = t.addSnapshot({});
  EXPECT_EQ(t.emit(IrOp::GUARDT, t.konst(1), kNoRef, kNoRef, 0, snap), kNoRef);
  EXPECT_EQ(t.emit(IrOp::GUARDF, t.konst(0), kNoRef, kNoRef, 0, snap), kNoRef);
  EXPECT_EQ(ops(t), "KWORD KWORD");
}

// Memory reads, stores and overflow-checked arithmetic are never shared: each one
// depends on what happened before it.
TEST(TraceIr, LoadsStoresAndCheckedArithmeticStayInOrder) {
  Trace t;
  int32_t snap = t.addSnapshot({});
  IrRef self = t.emit(IrOp::SLOAD, kNoRef, kNoRef, kNoRef, 0);
  IrRef a = t.emit(IrOp::LOAD, self, kNoRef, kNoRef, 16);
  t.emit(IrOp::STORE, self, t.konst(9), kNoRef, 16);
  IrRef b = t.emit(IrOp::LOAD, self, kNoRef, kNoRef, 16);
  EXPECT_NE(a, b);
  IrRef s1 = t.emit(IrOp::ADDOV, a, b, kNoRef, 0, snap);
  IrRef s2 = t.emit(IrOp::ADDOV, a, b, kNoRef, 0, snap);
  EXPECT_NE(s1, s2);
  EXPECT_EQ(ops(t), "SLOAD LOAD KWORD STORE LOAD ADDOV ADDOV");
}

// A class pointer or an Array's length cannot change: their loads are shared across
// stores, and a header byte (the kind) likewise.
TEST(TraceIr, LoadsOfWordsThatNeverChangeAreShared) {
  Trace t;
  IrRef self = t.emit(IrOp::SLOAD, kNoRef, kNoRef, kNoRef, 0);
  IrRef cls = t.emit(IrOp::LOADF, self, kNoRef, kNoRef, 0);
  IrRef kind = t.emit(IrOp::LOADB, self, kNoRef, kNoRef, 12);
  t.emit(IrOp::STORE, self, t.konst(9), kNoRef, 16);
  EXPECT_EQ(t.emit(IrOp::LOADF, self, kNoRef, kNoRef, 0), cls);
  EXPECT_EQ(t.emit(IrOp::LOADB, self, kNoRef, kNoRef, 12), kind);
  EXPECT_NE(t.emit(IrOp::LOADF, self, kNoRef, kNoRef, 8), cls);  // another word
  EXPECT_EQ(ops(t), "SLOAD LOADF LOADB KWORD STORE LOADF");
}

// A context the trace made (NEWCTX) is read without loading: a variable holds the last
// store into it, or nil before any; its outer context is known. Nothing is assumed past a
// call, or past a store at the same offset through another reference (which can be the
// same context only if it escaped). Then the context need not exist (regalloc.cpp).
TEST(TraceIr, LoadsFromAContextTheTraceMadeAreForwarded) {
  Trace t;
  int32_t snap = t.addSnapshot({});
  constexpr int64_t kVar0 = offsetof(som::Context, vars), kVar1 = kVar0 + 8;
  IrRef x = t.emit(IrOp::SLOAD, kNoRef, kNoRef, kNoRef, 1);
  IrRef outer = t.emit(IrOp::SLOAD, kNoRef, kNoRef, kNoRef, 2);
  IrRef ctx = t.emit(IrOp::NEWCTX, outer, kNoRef, kNoRef, 0x1000);
  IrRef before = t.emit(IrOp::LOAD, ctx, kNoRef, kNoRef, kVar0);
  ASSERT_TRUE(t.isConstant(before));
  EXPECT_EQ(t.constant(before), som::U.nil.raw());
  EXPECT_EQ(t.emit(IrOp::LOADF, ctx, kNoRef, kNoRef, offsetof(som::Context, outer)), outer);
  t.emit(IrOp::STORE, ctx, x, kNoRef, kVar0);
  EXPECT_EQ(t.emit(IrOp::LOAD, ctx, kNoRef, kNoRef, kVar0), x);
  EXPECT_EQ(t.constant(t.emit(IrOp::LOAD, ctx, kNoRef, kNoRef, kVar1)), som::U.nil.raw());
  IrRef other = t.emit(IrOp::NEWCTX, outer, kNoRef, kNoRef, 0x1000);
  t.emit(IrOp::STORE, other, t.konst(7), kNoRef, kVar0);  // another new context: no alias
  EXPECT_EQ(t.emit(IrOp::LOAD, ctx, kNoRef, kNoRef, kVar0), x);
  t.emit(IrOp::STORE, outer, t.konst(9), kNoRef, kVar1);  // another context, another offset
  EXPECT_EQ(t.emit(IrOp::LOAD, ctx, kNoRef, kNoRef, kVar0), x);
  t.emit(IrOp::STORE, outer, t.konst(9), kNoRef, kVar0);  // the same offset: may alias
  IrRef aliased = t.emit(IrOp::LOAD, ctx, kNoRef, kNoRef, kVar0);
  EXPECT_NE(aliased, x);
  t.emit(IrOp::STORE, ctx, x, kNoRef, kVar0);
  t.emit(IrOp::CALLM, t.konst(0x2000), t.konst(0x3000), kNoRef, 3, snap);
  IrRef afterCall = t.emit(IrOp::LOAD, ctx, kNoRef, kNoRef, kVar0);
  EXPECT_NE(afterCall, x);
  EXPECT_EQ(ops(t),
            "SLOAD SLOAD NEWCTX KWORD STORE NEWCTX KWORD STORE KWORD STORE STORE LOAD STORE KWORD KWORD CALLM LOAD");
}

// An Array the trace made (NEWARR) has a known class, kind and length, and its elements
// at constant indices are read from the trace's stores; a store at an unknown index, or
// a leaf primitive's call (it may write the Array, if it got it), ends what is known.
TEST(TraceIr, LoadsFromAnArrayTheTraceMadeAreForwarded) {
  Trace t;
  IrRef x = t.emit(IrOp::SLOAD, kNoRef, kNoRef, kNoRef, 1);
  IrRef k = t.emit(IrOp::SLOAD, kNoRef, kNoRef, kNoRef, 2);
  IrRef array = t.emit(IrOp::NEWARR, kNoRef, kNoRef, kNoRef, 3);
  EXPECT_EQ(t.constant(t.emit(IrOp::LOADF, array, kNoRef, kNoRef, som::kArrayLengthOffset)), 3u);
  EXPECT_EQ(t.constant(t.emit(IrOp::LOADB, array, kNoRef, kNoRef, offsetof(som::Object, kind))),
            uint64_t(som::Kind::Array));
  EXPECT_EQ(t.constant(t.emit(IrOp::BAND, array, t.konst(7))), 0u);  // a pointer
  auto element = [&](IrRef index) { return t.emit(IrOp::LOADX, array, index, kNoRef, som::kArrayElementsOffset); };
  EXPECT_EQ(t.constant(element(t.konst(1))), som::U.nil.raw());
  t.emit(IrOp::STOREX, array, t.konst(1), x, som::kArrayElementsOffset);
  EXPECT_EQ(element(t.konst(1)), x);
  EXPECT_EQ(t.constant(element(t.konst(2))), som::U.nil.raw());
  t.emit(IrOp::STOREX, array, k, x, som::kArrayElementsOffset);  // an unknown index
  EXPECT_EQ(t.instructions()[element(t.konst(1))].op, IrOp::LOADX);
  t.emit(IrOp::STOREX, array, t.konst(2), k, som::kArrayElementsOffset);
  EXPECT_EQ(element(t.konst(2)), k);
  t.emit(IrOp::CALLP, t.konst(0x1000), kNoRef, kNoRef, 4);
  EXPECT_EQ(t.instructions()[element(t.konst(2))].op, IrOp::LOADX);
}

// Overflow checks that ranges prove unneeded: i < n for two SmallIntegers (tag 1) leaves
// room for i + 1 (a raw step of 8); i <= n does once a guard says n < the largest word
// less a step (emitted with the increment's snapshot: a peeled loop then checks its
// invariant limit once, before the body). Without known tags, or for a step past 8,
// the check stays.
TEST(TraceIr, OverflowChecksThatRangesProveGo) {
  Trace t;
  int32_t snap = t.addSnapshot({});
  auto smallInt = [&](int64_t slot) {
    IrRef v = t.emit(IrOp::SLOAD, kNoRef, kNoRef, kNoRef, slot);
    t.emit(IrOp::GUARDT, t.emit(IrOp::EQ, t.emit(IrOp::BAND, v, t.konst(7)), t.konst(1)), kNoRef, kNoRef, 0, snap);
    return v;
  };
  IrRef i = smallInt(1), n = smallInt(2), j = smallInt(3), m = smallInt(4);
  t.emit(IrOp::GUARDT, t.emit(IrOp::LT, i, n), kNoRef, kNoRef, 0, snap);
  EXPECT_EQ(t.instructions()[t.emit(IrOp::ADDOV, i, t.konst(8), kNoRef, 0, snap)].op, IrOp::ADD);
  EXPECT_EQ(t.instructions()[t.emit(IrOp::SUBOV, n, t.konst(8), kNoRef, 0, snap)].op, IrOp::SUB);
  EXPECT_EQ(t.instructions()[t.emit(IrOp::ADDOV, i, t.konst(16), kNoRef, 0, snap)].op, IrOp::ADDOV);
  EXPECT_EQ(t.instructions()[t.emit(IrOp::SUBOV, i, t.konst(8), kNoRef, 0, snap)].op, IrOp::SUBOV);

  t.emit(IrOp::GUARDT, t.emit(IrOp::LE, j, m), kNoRef, kNoRef, 0, snap);
  size_t before = t.size();
  IrRef next = t.emit(IrOp::ADDOV, j, t.konst(8), kNoRef, 0, snap);
  EXPECT_EQ(t.instructions()[next].op, IrOp::ADD);
  EXPECT_EQ(ops(t).substr(ops(t).size() - std::string("GUARDT KWORD LT GUARDT ADD").size()),
            "GUARDT KWORD LT GUARDT ADD");
  EXPECT_EQ(t.instructions()[before + 1].a, m);  // the limit's guard
  t.emit(IrOp::GUARDT, t.emit(IrOp::LE, next, m), kNoRef, kNoRef, 0, snap);
  size_t again = t.size();
  EXPECT_EQ(t.instructions()[t.emit(IrOp::ADDOV, next, t.konst(8), kNoRef, 0, snap)].op, IrOp::ADD);
  EXPECT_EQ(t.size(), again + 1);  // the limit's guard is established: only the ADD

  IrRef x = t.emit(IrOp::SLOAD, kNoRef, kNoRef, kNoRef, 5);  // tags unknown
  t.emit(IrOp::GUARDT, t.emit(IrOp::LT, x, t.konst(uint64_t(INT64_MAX))), kNoRef, kNoRef, 0, snap);
  EXPECT_EQ(t.instructions()[t.emit(IrOp::ADDOV, x, t.konst(8), kNoRef, 0, snap)].op, IrOp::ADDOV);
  t.emit(IrOp::GUARDT, t.emit(IrOp::LT, x, t.konst(uint64_t(INT64_MAX - 7))), kNoRef, kNoRef, 0, snap);
  EXPECT_EQ(t.instructions()[t.emit(IrOp::ADDOV, x, t.konst(8), kNoRef, 0, snap)].op, IrOp::ADD);
}

TEST(TraceIr, DumpShowsOperandsAndSnapshots) {
  Trace t;
  int32_t snap = t.addSnapshot({{{nullptr, 0, 11, 2}}, {{13, 0}}});
  IrRef x = t.emit(IrOp::SLOAD, kNoRef, kNoRef, kNoRef, 2);
  t.emit(IrOp::GUARDT, t.emit(IrOp::LT, x, t.konst(0x321)), kNoRef, kNoRef, 0, snap);
  std::string dump = t.dump();
  EXPECT_NE(dump.find("0000 SLOAD   #2"), std::string::npos) << dump;
  EXPECT_NE(dump.find("LT      0000 0001"), std::string::npos) << dump;
  EXPECT_NE(dump.find("pc 11 depth 2"), std::string::npos) << dump;
  EXPECT_NE(dump.find("13=0000"), std::string::npos) << dump;
}

}  // namespace
