// Tier 1 and the code-generation backend: compilation, the bytecode-to-code map, entry at
// bytecode boundaries, the Emit mode's inline fast paths, the code cache and disassembly.
#include <vector>
#include <gtest/gtest.h>

#include <string>

#include "interp/bytecodes.h"
#include "jit/backend/code_cache.h"
#include "jit/backend/disasm.h"
#include "jit/tier1/runtime.h"
#include "jit/tier1/tier1.h"
#include "vm/numbers.h"
#include "vm_fixture.h"

using namespace som;
using namespace twosom_test;

namespace {

class Tier1 : public VmTest {
 protected:
  static void SetUpTestSuite() {
    VmTest::SetUpTestSuite();
    tier1::configure(true);
  }
};

Class* sample() {
  static Class* cls = defineClass(R"(Tier1Sample = (
    | total |
    sum: n = ( | s | s := 0. 1 to: n do: [:i | s := s + i]. ^ s )
    big = ( ^ 4611686018427387903 + 1 )
    at: i in: array = ( ^ array at: i )
    fieldPlus: x = ( total := x. ^ total + 1 )
    compare: a with: b = ( ^ a < b )
    escape = ( #(1 2 3) do: [:e | e = 2 ifTrue: [ ^ e ] ]. ^ 0 )
  ))");
  return cls;
}

Value run(const char* selector, std::initializer_list<Value> args) {
  return sendMessage(newInstanceOf(sample()), selector, args);
}

// Every boundary is an entry point except those inside an operand sequence whose pushes
// the generator defers into the intrinsic send that consumes them (`i + 1`); jump
// targets (loop headers for OSR, branch targets) and the method start always are.
TEST_F(Tier1, CompilesAMethodAndMapsItsEntryPoints) {
  Method* m = methodOf(sample(), "sum:");
  ASSERT_TRUE(tier1::compile(m));
  ASSERT_NE(m->tier1Code, nullptr);
  ASSERT_NE(m->tier1Map, nullptr);
  std::vector<bool> target(m->codeLength + 1, false);
  target[0] = true;
  for (uint32_t off = 0; off < m->codeLength; off += kBytecodes[m->code[off]].length) {
    const BcInfo& info = kBytecodes[m->code[off]];
    if (info.kind == BcKind::Jump || info.kind == BcKind::Branch)
      target[off + 3 + readU16(m->code + off + 1)] = true;
    if (info.kind == BcKind::LoopBack) target[off + 3 - readU16(m->code + off + 1)] = true;
  }
  uint32_t targets = 0, deferred = 0;
  for (uint32_t off = 0; off < m->codeLength; off += kBytecodes[m->code[off]].length) {
    if (target[off]) {
      EXPECT_NE(tier1::entryAt(m, off), nullptr) << "no code address for jump target " << off;
      targets++;
    } else if (tier1::entryAt(m, off) == nullptr) {
      // only right after an operand push that an intrinsic consumes
      deferred++;
    }
  }
  EXPECT_GE(targets, 3u);
  EXPECT_GE(deferred, 1u);
  // Offsets inside an instruction are not entry points.
  uint32_t off = 0;
  while (kBytecodes[m->code[off]].length == 1) off++;
  EXPECT_EQ(tier1::entryAt(m, off + 1), nullptr);
}

TEST_F(Tier1, CompiledCodeComputesWhatTheInterpreterComputes) {
  EXPECT_EQ(run("sum:", {Value::fromSmallInt(100)}), Value::fromSmallInt(5050));
  ASSERT_TRUE(tier1::compile(methodOf(sample(), "sum:")));
  EXPECT_EQ(run("sum:", {Value::fromSmallInt(100)}), Value::fromSmallInt(5050));
  EXPECT_EQ(run("sum:", {Value::fromSmallInt(0)}), Value::fromSmallInt(0));
}

TEST_F(Tier1, InlineAdditionOverflowsIntoLargeIntegers) {
  ASSERT_TRUE(tier1::compile(methodOf(sample(), "big")));
  Value v = run("big", {});
  EXPECT_TRUE(isLargeInt(v));
  EXPECT_EQ(integerToString(v), "4611686018427387904");
}

TEST_F(Tier1, InlineArrayAccessReadsElements) {
  ASSERT_TRUE(tier1::compile(methodOf(sample(), "at:in:")));
  Array* a = newArray(3);
  a->elements[1] = Value::fromSmallInt(42);
  EXPECT_EQ(run("at:in:", {Value::fromSmallInt(2), Value::fromObject(a)}), Value::fromSmallInt(42));
  EXPECT_EQ(run("at:in:", {Value::fromSmallInt(1), Value::fromObject(a)}), U.nil);
  // Not an Array: the inline path gives way to a real send (Vector>>at:).
  Value v = sendMessage(Value::fromObject(U.objectClass), "name");
  EXPECT_TRUE(isKind(v, Kind::Symbol));
}

TEST_F(Tier1, ComparisonsAnswerBooleansForIntegersAndDoubles) {
  ASSERT_TRUE(tier1::compile(methodOf(sample(), "compare:with:")));
  EXPECT_EQ(run("compare:with:", {Value::fromSmallInt(1), Value::fromSmallInt(2)}), U.trueObject);
  EXPECT_EQ(run("compare:with:", {Value::fromSmallInt(2), Value::fromSmallInt(1)}), U.falseObject);
  EXPECT_EQ(run("compare:with:", {newDouble(1.5), newDouble(2.5)}), U.trueObject);
  EXPECT_EQ(run("compare:with:", {Value::fromSmallInt(3), newDouble(2.5)}), U.falseObject);
}

TEST_F(Tier1, FieldsAndNonLocalReturnsWork) {
  ASSERT_TRUE(tier1::compile(methodOf(sample(), "fieldPlus:")));
  EXPECT_EQ(run("fieldPlus:", {Value::fromSmallInt(41)}), Value::fromSmallInt(42));
  Method* escape = methodOf(sample(), "escape");
  ASSERT_TRUE(tier1::compile(escape));
  for (Method* block : blocksOf(escape)) EXPECT_TRUE(tier1::compile(block));
  EXPECT_EQ(run("escape", {}), Value::fromSmallInt(2));
}

TEST_F(Tier1, DirectEntriesExistForOrdinaryMethods) {
  Method* m = methodOf(sample(), "sum:");
  ASSERT_TRUE(tier1::compile(m));
  EXPECT_NE(m->tier1Direct, nullptr);
}

TEST_F(Tier1, StatisticsCountCompiledMethodsAndBytecodes) {
  uint64_t before = tier1::stats().methodsCompiled;
  Class* cls = defineClass("Tier1Counted = ( a = ( ^ 1 + 2 ) )");
  ASSERT_TRUE(tier1::compile(methodOf(cls, "a")));
  EXPECT_EQ(tier1::stats().methodsCompiled, before + 1);
  EXPECT_GT(tier1::stats().bytecodesCompiled, 0u);
  EXPECT_GT(jit::CodeCache::instance().stats().codeBytes, 0u);
}

TEST_F(Tier1, DisassemblyNamesInstructions) {
  Method* m = methodOf(sample(), "sum:");
  ASSERT_TRUE(tier1::compile(m));
  std::string text = jit::disassemble(static_cast<const uint8_t*>(m->tier1Code), 32);
  EXPECT_NE(text.find("push rbp"), std::string::npos) << text;
}

TEST_F(Tier1, AFullCodeCacheRefusesAndTheMethodStaysInterpreted) {
  auto& cache = jit::CodeCache::instance();
  uint64_t used = cache.stats().codeBytes;
  cache.configure(used, false);  // no room for anything more
  Class* cls = defineClass("Tier1Refused = ( a = ( ^ 20 + 22 ) )");
  Method* m = methodOf(cls, "a");
  EXPECT_FALSE(tier1::compile(m));
  EXPECT_EQ(m->tier1Code, nullptr);
  EXPECT_GT(cache.stats().refused, 0u);
  EXPECT_EQ(sendMessage(newInstanceOf(cls), "a"), Value::fromSmallInt(42));
  cache.configure(size_t(64) << 20, false);
}

}  // namespace
