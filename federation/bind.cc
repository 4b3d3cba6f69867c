#include "federation/bind.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "common/strings.h"
#include "storage/aggregates.h"

namespace verbind::federation {

using common::Result;
using common::Status;
using config::FieldType;
using storage::AggregateSpec;

namespace {

bool TypeAllowed(AggFunc f, FieldType t) {
  bool number = t == FieldType::kInteger || t == FieldType::kDecimal;
  switch (f) {
    case AggFunc::kCount:
      return true;
    case AggFunc::kSum:
    case AggFunc::kAvg:
      return number || t == FieldType::kBoolean;
    case AggFunc::kVar:
    case AggFunc::kStddev:
    case AggFunc::kVarPop:
    case AggFunc::kStddevPop:
      return number;
    default:  // min, max, histogram, quantile, median, corr, regression
      return number || t == FieldType::kDate;
  }
}

std::string_view AllowedTypes(AggFunc f) {
  switch (f) {
    case AggFunc::kCount:
      return "any field";
    case AggFunc::kSum:
    case AggFunc::kAvg:
      return "integer, decimal or boolean fields";
    case AggFunc::kVar:
    case AggFunc::kStddev:
    case AggFunc::kVarPop:
    case AggFunc::kStddevPop:
      return "integer or decimal fields";
    default:
      return "integer, decimal or date fields";
  }
}

double UnitDivisor(const BoundField& f) {
  return f.type == FieldType::kDecimal ? std::pow(10.0, f.scale) : 1.0;
}

bool SameSpec(const AggregateSpec& a, const AggregateSpec& b) {
  return a.kind == b.kind && a.columns == b.columns && a.lo == b.lo && a.hi == b.hi &&
         a.bins == b.bins && a.unit_divisors == b.unit_divisors;
}

// The index of `spec` in `specs`, appending it when no equal spec is there yet.
size_t AddSpec(std::vector<AggregateSpec>& specs, AggregateSpec spec) {
  for (size_t i = 0; i < specs.size(); ++i) {
    if (SameSpec(specs[i], spec)) {
      return i;
    }
  }
  specs.push_back(std::move(spec));
  return specs.size() - 1;
}

Status HistogramBounds(const SelectItem& item, const config::Field& field, const std::string& path,
                       AggregateSpec& spec) {
  ASSIGN_OR_RETURN(spec.lo, LiteralToUnits(item.lo, field, path + ".lo"));
  ASSIGN_OR_RETURN(spec.hi, LiteralToUnits(item.hi, field, path + ".hi"));
  if (spec.lo >= spec.hi) {
    return common::InvalidArgument(path + ".hi: the upper bound must be above the lower bound");
  }
  if (static_cast<storage::Int128>(spec.hi) - spec.lo > INT64_MAX) {
    return common::InvalidArgument(path + ".hi: the histogram range is too wide");
  }
  spec.bins = item.bins;
  return Status::Ok();
}

Result<AggregateSpec> MakeSpec(const SelectItem& item, const std::vector<BoundField>& fields,
                               const config::Schema& schema, const std::string& path) {
  AggregateSpec spec;
  for (const BoundField& f : fields) {
    spec.columns.push_back(static_cast<int>(f.index));
  }
  switch (item.func) {
    case AggFunc::kCount:
      spec.kind = fields.empty() ? AggregateSpec::Kind::kCount : AggregateSpec::Kind::kNonNull;
      break;
    case AggFunc::kSum:
    case AggFunc::kAvg:
    case AggFunc::kVar:
    case AggFunc::kStddev:
    case AggFunc::kVarPop:
    case AggFunc::kStddevPop:
      spec.kind = AggregateSpec::Kind::kSum;
      break;
    case AggFunc::kMin:
    case AggFunc::kMax:
      spec.kind = AggregateSpec::Kind::kMinMax;
      break;
    case AggFunc::kHistogram:
      spec.kind = AggregateSpec::Kind::kHistogram;
      RETURN_IF_ERROR(HistogramBounds(item, schema.fields[fields[0].index], path, spec));
      break;
    case AggFunc::kQuantile:
    case AggFunc::kMedian:
      spec.kind = AggregateSpec::Kind::kQuantile;
      break;
    case AggFunc::kCorr:
    case AggFunc::kRegression:
      spec.kind = AggregateSpec::Kind::kCoMoments;
      for (const BoundField& f : fields) {
        spec.unit_divisors.push_back(UnitDivisor(f));
      }
      if (item.func == AggFunc::kRegression) {  // LinearRegression wants y last
        std::rotate(spec.columns.begin(), spec.columns.begin() + 1, spec.columns.end());
        std::rotate(spec.unit_divisors.begin(), spec.unit_divisors.begin() + 1,
                    spec.unit_divisors.end());
      }
      break;
  }
  return spec;
}

Result<BoundColumn> BindItem(const SelectItem& item, size_t index, const config::Schema& schema,
                             std::vector<AggregateSpec>& specs) {
  std::string path = "select[" + std::to_string(index) + "]";
  BoundColumn column;
  column.name = ItemColumnName(item);
  column.func = item.func;
  column.select_index = index;
  column.q = item.func == AggFunc::kMedian ? 0.5 : item.q;
  for (size_t i = 0; i < item.fields.size(); ++i) {
    std::string field_path = path + "." + SelectFieldPath(item, i);
    ASSIGN_OR_RETURN(BoundField f, ResolveField(schema, item.fields[i], field_path));
    if (!TypeAllowed(item.func, f.type)) {
      return common::InvalidArgument(
          field_path + ": " + std::string(AggFuncName(item.func)) + " cannot be applied to " +
          std::string(config::FieldTypeName(f.type)) + " field \"" + f.name + "\" (it takes " +
          std::string(AllowedTypes(item.func)) + ")");
    }
    column.fields.push_back(std::move(f));
  }
  ASSIGN_OR_RETURN(AggregateSpec spec, MakeSpec(item, column.fields, schema, path));
  column.aggregate = AddSpec(specs, std::move(spec));
  return column;
}

Status BindGroupBy(const Query& q, const config::Schema& schema,
                   const CategoryCodeLookup& codes, const CategoryLabelsLookup& labels,
                   BoundQuery& out) {
  for (size_t i = 0; i < q.group_by.size(); ++i) {
    std::string path = "group_by[" + std::to_string(i) + "]";
    storage::KeyBands bands;
    ASSIGN_OR_RETURN(BoundField f,
                     BindGroupKey(schema, q.group_by[i], codes, path, &bands, labels));
    if (f.type == FieldType::kDate && f.part == common::DatePart::kNone) {
      return common::InvalidArgument(path + ": cannot group by date field \"" + f.name +
                                     "\" itself; group by a period of it, such as "
                                     "date_trunc('month', " + f.name + ") or extract(year from " +
                                     f.name + ")");
    }
    if (f.type != FieldType::kCategorical && f.type != FieldType::kBoolean &&
        f.type != FieldType::kInteger && f.type != FieldType::kDate) {
      return common::InvalidArgument(path + ": cannot group by " +
                                     std::string(config::FieldTypeName(f.type)) + " field \"" +
                                     f.name +
                                     "\" (group by categorical, boolean or integer "
                                     "fields, or a period of a date)");
    }
    out.scan.group_by.push_back(static_cast<int>(f.index));
    out.scan.group_parts.push_back(f.part);
    out.scan.group_bands.push_back(std::move(bands));
    out.group_by.push_back(std::move(f));
  }
  return Status::Ok();
}

}  // namespace

Result<BoundQuery> BindQuery(const Query& query, const config::Schema& schema,
                             const CategoryCodeLookup& codes, const CategoryLabelsLookup& labels) {
  // Well-formed is what binding needs (callers parse queries with the full check).
  RETURN_IF_ERROR(ValidateQueryShape(query));
  BoundQuery out;
  out.dataset = query.dataset;
  out.footprint = DescribeQuery(query);
  RETURN_IF_ERROR(BindGroupBy(query, schema, codes, labels, out));
  for (size_t i = 0; i < query.select.size(); ++i) {
    if (query.select[i].kind != SelectItem::Kind::kAggregate) {
      continue;
    }
    ASSIGN_OR_RETURN(BoundColumn column, BindItem(query.select[i], i, schema, out.scan.aggregates));
    out.columns.push_back(std::move(column));
  }
  if (query.where) {
    ASSIGN_OR_RETURN(out.scan.filter, BindFilter(*query.where, schema, codes, "where", labels));
  }
  return out;
}

}  // namespace verbind::federation
