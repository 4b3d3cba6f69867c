// Binding group-by keys and filter operands beyond fields: periods of dates.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/dates.h"
#include "federation/bind.h"
#include "federation/bind_test_fixture.h"

namespace verbind::federation {
namespace {

using config::FieldType;
using storage::Predicate;
using namespace bind_testing;  // NOLINT(google-build-using-namespace)

TEST(Bind, PartsOfDatesGroupAndCompareInTheirOwnValues) {
  auto b = BindSql(
      "SELECT date_trunc('month', birth_date), extract(isodow from birth_date), count(*) FROM "
      "benefits GROUP BY date_trunc('month', birth_date), extract(isodow from birth_date)");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->scan.group_by, (std::vector<int>{4, 4}));
  EXPECT_EQ(b->scan.group_parts,
            (std::vector<common::DatePart>{common::DatePart::kTruncMonth,
                                           common::DatePart::kIsodow}));
  ASSERT_EQ(b->group_by.size(), 2U);
  EXPECT_EQ(b->group_by[0].name, "date_trunc('month', birth_date)");
  EXPECT_EQ(b->group_by[0].type, FieldType::kDate);
  EXPECT_EQ(b->group_by[1].type, FieldType::kInteger);
  EXPECT_EQ(b->footprint.group_by, (std::vector<std::string>{"birth_date", "birth_date"}));

  Predicate month = Leaf(Predicate::Op::kIn, 4, {1, 7});
  month.part = common::DatePart::kMonth;
  EXPECT_TRUE(Same(Where("EXTRACT(MONTH FROM birth_date) IN (1, 7)"), month));
  EXPECT_TRUE(Same(Where("date_part('month', birth_date) IN (1, 7)"), month));
  Predicate since = Leaf(Predicate::Op::kGe, 4, {31});
  since.part = common::DatePart::kTruncMonth;
  EXPECT_TRUE(Same(Where("date_trunc('month', birth_date) >= DATE '1970-02-01'"), since));
  // NOT reaches the leaf; NULL dates stay unmatched.
  Predicate not_q1 = Leaf(Predicate::Op::kNe, 4, {1});
  not_q1.part = common::DatePart::kQuarter;
  EXPECT_TRUE(Same(Where("NOT extract(quarter from birth_date) = 1"), not_q1));
  // A number finer than an integer part compares exactly, as for integer fields.
  Predicate above = Leaf(Predicate::Op::kGe, 4, {7});
  above.part = common::DatePart::kMonth;
  EXPECT_TRUE(Same(Where("extract(month from birth_date) > 6.5"), above));
  EXPECT_EQ(b->footprint.filter_fields, std::vector<std::string>{});
  auto f = BindSql("SELECT count(*) FROM benefits WHERE extract(year from birth_date) = 1960");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->footprint.filter_fields, std::vector<std::string>{"birth_date"});
}

}  // namespace
}  // namespace verbind::federation
