// Loop optimization by copy-substitution (jit/tier2/loop.cpp), as IR before and after.
#include <gtest/gtest.h>

#include "jit/tier2/ir.h"
#include "jit/tier2/loop.h"

using namespace som::tier2;

namespace {

std::string ops(const Trace& t, size_t from = 0) {
  std::string out;
  for (size_t n = from; n < t.instructions().size(); n++) {
    if (!out.empty()) out += ' ';
    out += kIrOps[uint8_t(t.instructions()[n].op)].name;
  }
  return out;
}

size_t indexOf(const Trace& t, IrOp op) {
  for (size_t n = 0; n < t.instructions().size(); n++)
    if (t.instructions()[n].op == op) return n;
  return SIZE_MAX;
}

// `i := i + 1` while `i < n`: slot 1 is i (written), slot 2 is n (only read).
Trace countingLoop() {
  Trace t;
  int32_t snap = t.addSnapshot({});
  IrRef i = t.emit(IrOp::SLOAD, kNoRef, kNoRef, kNoRef, 1);
  IrRef n = t.emit(IrOp::SLOAD, kNoRef, kNoRef, kNoRef, 2);
  auto guardInt = [&](IrRef v) {
    t.emit(IrOp::GUARDT, t.emit(IrOp::EQ, t.emit(IrOp::BAND, v, t.konst(7)), t.konst(1)), kNoRef, kNoRef, 0, snap);
  };
  guardInt(i);
  guardInt(n);
  t.emit(IrOp::GUARDT, t.emit(IrOp::LT, i, n), kNoRef, kNoRef, 0, snap);
  IrRef next = t.emit(IrOp::ADDOV, i, t.konst(8), kNoRef, 0, snap);
  t.emit(IrOp::SSTORE, next, kNoRef, kNoRef, 1);
  t.emit(IrOp::LOOP);
  return t;
}

}  // namespace

// The tag guards of the invariant n and of the carried i (whose tag the sum keeps) leave
// the body; the final store becomes a PHI of i; the body's snapshots list i's value. (i < n
// leaves i + 1 room: no overflow check, in either iteration.)
TEST(TraceLoop, InvariantGuardsLeaveTheBodyAndCarriedValuesGetPhis) {
  Trace t = countingLoop();
  ASSERT_TRUE(peelLoop(t));
  size_t head = indexOf(t, IrOp::HEAD);
  ASSERT_NE(head, SIZE_MAX);
  EXPECT_EQ(ops(t, head), "HEAD LT GUARDT ADD PHI LOOP");
  EXPECT_EQ(indexOf(t, IrOp::SSTORE), SIZE_MAX);
  const IrIns& phi = t.instructions()[t.instructions().size() - 2];
  const IrIns& sum = t.instructions()[phi.b];
  EXPECT_EQ(sum.op, IrOp::ADD);
  EXPECT_EQ(sum.a, phi.a);                        // the body adds to the carried value...
  EXPECT_EQ(t.instructions()[phi.a].op, IrOp::ADD);  // ...first the first iteration's sum
  // The body's guards write i back at their exits.
  const Snapshot& s = t.snapshots()[size_t(t.instructions()[head + 2].snapshot)];
  ASSERT_EQ(s.slots.size(), 1u);
  EXPECT_EQ(s.slots[0].first, 1u);
  EXPECT_EQ(s.slots[0].second, phi.a);
}

// A loop whose body always exits (a flag the first iteration clears) is left as recorded.
TEST(TraceLoop, ABodyThatAlwaysExitsIsNotPeeled) {
  Trace t;
  int32_t snap = t.addSnapshot({});
  IrRef flag = t.emit(IrOp::SLOAD, kNoRef, kNoRef, kNoRef, 1);
  t.emit(IrOp::GUARDT, t.emit(IrOp::EQ, flag, t.konst(0x1111)), kNoRef, kNoRef, 0, snap);
  t.emit(IrOp::SSTORE, t.konst(0x2222), kNoRef, kNoRef, 1);
  t.emit(IrOp::LOOP);
  EXPECT_FALSE(peelLoop(t));
}

// Two slots swapped every iteration (a := b. b := a): the body's copy of the guard on a's
// tag tests b, which the first iteration never tested, so it stays in the body; the PHIs
// are a parallel swap.
TEST(TraceLoop, GuardsOnSwappedValuesStayInTheBody) {
  Trace t;
  int32_t snap = t.addSnapshot({});
  IrRef a = t.emit(IrOp::SLOAD, kNoRef, kNoRef, kNoRef, 1);
  IrRef b = t.emit(IrOp::SLOAD, kNoRef, kNoRef, kNoRef, 2);
  t.emit(IrOp::GUARDT, t.emit(IrOp::EQ, t.emit(IrOp::BAND, a, t.konst(7)), t.konst(1)), kNoRef, kNoRef, 0, snap);
  t.emit(IrOp::SSTORE, b, kNoRef, kNoRef, 1);
  t.emit(IrOp::SSTORE, a, kNoRef, kNoRef, 2);
  t.emit(IrOp::LOOP);
  ASSERT_TRUE(peelLoop(t));
  size_t head = indexOf(t, IrOp::HEAD);
  EXPECT_EQ(ops(t, head), "HEAD BAND EQ GUARDT PHI PHI LOOP");
  const IrIns& band = t.instructions()[head + 1];
  EXPECT_EQ(band.a, b);
  const IrIns& phi1 = t.instructions()[head + 4];
  const IrIns& phi2 = t.instructions()[head + 5];
  EXPECT_EQ(phi1.a, a);
  EXPECT_EQ(phi1.b, b);
  EXPECT_EQ(phi2.a, b);
  EXPECT_EQ(phi2.b, a);
}

// A loop over an invariant receiver that stores into it: the class guard of the receiver
// (a fixed load) leaves the body with the first iteration; the field load stays (the store
// writes memory).
TEST(TraceLoop, FixedLoadsOfInvariantsLeaveTheBodyButFieldLoadsStay) {
  Trace t;
  int32_t snap = t.addSnapshot({});
  IrRef obj = t.emit(IrOp::SLOAD, kNoRef, kNoRef, kNoRef, 1);
  t.emit(IrOp::GUARDT, t.emit(IrOp::EQ, t.emit(IrOp::LOADF, obj, kNoRef, kNoRef, 0), t.konst(0x4000)), kNoRef,
         kNoRef, 0, snap);
  IrRef field = t.emit(IrOp::LOAD, obj, kNoRef, kNoRef, 16);
  t.emit(IrOp::STORE, obj, t.emit(IrOp::ADD, field, t.konst(8)), kNoRef, 16);
  t.emit(IrOp::LOOP);
  ASSERT_TRUE(peelLoop(t));
  size_t head = indexOf(t, IrOp::HEAD);
  ASSERT_NE(head, SIZE_MAX);
  EXPECT_EQ(ops(t, head), "HEAD LOAD ADD STORE LOOP");
}
