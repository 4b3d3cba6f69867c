// `verbind dataset privacy NAME`: shows a dataset's privacy settings and the budget spent (who
// spent how much, on which queries), and changes them (docs/privacy.md).
#include <cstdio>

#include "common/strings.h"
#include "node/cli/internal/commands.h"

namespace verbind::node {

using common::Status;
using nlohmann::json;

namespace {

struct PrivacyArgs {
  std::string dataset;
  bool personal = false;
  bool non_personal = false;
  std::string reason;
  std::string epsilon;
  std::string window;
  std::string share;
  bool accept_higher_loss = false;
};

void PrintPrivacy(const json& r) {
  const json& s = r["settings"];
  int window = s.value("window_days", 0);
  std::printf("dataset %s: %s\n", r.value("dataset", "").c_str(),
              s.value("personal", true) ? "data about persons: differential privacy"
                                        : ("no personal data: thresholds only (" +
                                           s.value("non_personal_reason", "") + ")")
                                              .c_str());
  std::printf("budget: epsilon %s %s; one requester at most %s of it\n",
              s.value("epsilon", "").c_str(),
              window == 0 ? "over the dataset's lifetime"
                          : ("per " + std::to_string(window) + " days (rolling)").c_str(),
              s.value("requester_share", "").c_str());
  std::printf("spent: %s, remaining %s\n", r["budget"].value("spent", "").c_str(),
              r["budget"].value("remaining", "").c_str());
  std::vector<std::vector<std::string>> rows;
  for (const auto& [org, eps] : r["spent_by_requester"].items()) rows.push_back({org, eps});
  if (!rows.empty()) {
    std::printf("\n");
    PrintTable({"REQUESTER", "SPENT"}, rows);
  }
  rows.clear();
  for (const auto& c : r["charges"]) {
    rows.push_back({c.value("time", ""), c.value("requester", ""), c.value("epsilon", ""),
                    c.value("query", "").substr(0, 80)});
  }
  if (!rows.empty()) {
    std::printf("\n");
    PrintTable({"TIME", "REQUESTER", "EPSILON", "QUERY"}, rows);
  }
}

// The PUT body for the options given; empty when only showing.
common::Result<json> Changes(const PrivacyArgs& a) {
  json body = json::object();
  if (a.personal && a.non_personal) {
    return common::InvalidArgument("give --personal or --non-personal, not both");
  }
  if (a.non_personal) {
    if (a.reason.empty()) {
      return common::InvalidArgument(
          "--non-personal needs --reason: why the dataset holds no "
          "data about persons");
    }
    body["personal"] = false;
    body["non_personal_reason"] = a.reason;
  }
  if (a.personal) body["personal"] = true;
  if (!a.epsilon.empty()) body["epsilon"] = a.epsilon;
  if (!a.share.empty()) body["requester_share"] = a.share;
  if (!a.window.empty()) {
    int64_t days = 0;
    if (a.window != "lifetime" && (!common::ParseInt64(a.window, &days) || days < 1)) {
      return common::InvalidArgument("--window takes a number of days or \"lifetime\"");
    }
    body["window_days"] = days;
  }
  if (!body.empty() && a.accept_higher_loss) body["accept_higher_loss"] = true;
  return body;
}

}  // namespace

void AddPrivacyCommand(CLI::App& dataset, GlobalsPtr g, CliAction* action) {
  auto a = std::make_shared<PrivacyArgs>();
  auto* cmd = dataset.add_subcommand(
      "privacy", "Show or change a dataset's privacy settings and the budget spent on it");
  cmd->add_option("NAME", a->dataset, "Dataset")->required();
  cmd->add_flag("--personal", a->personal, "The dataset holds data about persons (the default)");
  cmd->add_flag("--non-personal", a->non_personal,
                "The dataset holds no data about persons: thresholds only (needs --reason)");
  cmd->add_option("--reason", a->reason, "Why the dataset holds no personal data (audited)");
  cmd->add_option("--epsilon", a->epsilon, "Total budget per window, all requesters together");
  cmd->add_option("--window", a->window, "Days over which spending counts, or \"lifetime\"");
  cmd->add_option("--requester-share", a->share, "Share of the budget one requester may spend");
  cmd->add_flag("--accept-higher-loss", a->accept_higher_loss,
                "Confirm a change that protects the people in the dataset less");
  cmd->callback([=] {
    *action = [=] {
      auto body = Changes(*a);
      if (!body.ok()) return Report(body.status());
      return WithApi(*g, [&](ApiCaller& api) -> Status {
        std::string path = "/v1/datasets/" + a->dataset + "/privacy";
        ASSIGN_OR_RETURN(json r,
                         body->empty() ? api.Call("GET", path) : api.Call("PUT", path, &*body));
        if (g->json) {
          std::printf("%s\n", r.dump(2).c_str());
        } else {
          PrintPrivacy(r);
        }
        return Status::Ok();
      });
    };
  });
}

}  // namespace verbind::node
