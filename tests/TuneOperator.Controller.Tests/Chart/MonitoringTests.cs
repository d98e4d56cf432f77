using System.Text.Json.Nodes;
using TuneOperator.Testing.Tools;
using Xunit;

namespace TuneOperator.Controller.Tests.Chart;

/// <summary>The shipped Prometheus rules and Grafana dashboard.</summary>
public sealed class MonitoringTests
{
    [Fact]
    public void Prometheus_rules_are_valid_and_their_promtool_unit_tests_pass()
    {
        var folder = Repository.Path("config", "prometheus");

        var check = ExternalTools.Run(ExternalTools.Promtool, ["check", "rules", "tune-operator.rules.yaml"], folder);
        var test = ExternalTools.Run(ExternalTools.Promtool, ["test", "rules", "tune-operator.rules.test.yaml"], folder);

        Assert.True(check.ExitCode == 0, check.ToString());
        Assert.True(test.ExitCode == 0, test.ToString());
    }

    [Fact]
    public void The_charts_copies_of_rules_and_dashboard_match_config()
    {
        Assert.Equal(
            File.ReadAllText(Repository.Path("config", "prometheus", "tune-operator.rules.yaml")),
            File.ReadAllText(Repository.Path("charts", "tune-operator", "files", "rules", "tune-operator.rules.yaml")));
        Assert.Equal(
            File.ReadAllText(Repository.Path("config", "grafana", "tune-operator.json")),
            File.ReadAllText(Repository.Path("charts", "tune-operator", "files", "dashboards", "tune-operator.json")));
    }

    [Fact]
    public void Every_dashboard_query_is_valid_promql_over_operator_metrics()
    {
        var dashboard = JsonNode.Parse(File.ReadAllText(Repository.Path("config", "grafana", "tune-operator.json")))!;
        var queries = dashboard["panels"]!.AsArray().SelectMany(p => p!["targets"]!.AsArray()).Select(t => (string)t!["expr"]!).ToList();
        var folder = Directory.CreateTempSubdirectory("tune-dashboard-");

        // promtool parses each query as a recording rule; Grafana's $namespace variable becomes a regex first.
        var rules = new JsonObject
        {
            ["groups"] = new JsonArray(new JsonObject
            {
                ["name"] = "dashboard",
                ["rules"] = new JsonArray([.. queries.Select((q, i) => (JsonNode)new JsonObject
                {
                    ["record"] = $"dashboard:query{i}",
                    ["expr"] = q.Replace("$namespace", ".*", StringComparison.Ordinal),
                })]),
            }),
        };
        File.WriteAllText(Path.Combine(folder.FullName, "dashboard.rules.json"), rules.ToJsonString());
        var check = ExternalTools.Run(ExternalTools.Promtool, ["check", "rules", "dashboard.rules.json"], folder.FullName);
        folder.Delete(recursive: true);

        Assert.True(queries.Count >= 10, $"the dashboard has only {queries.Count} queries");
        Assert.All(queries, q => Assert.Contains("tuneoperator_", q, StringComparison.Ordinal));
        Assert.True(check.ExitCode == 0, check.ToString());
        Assert.Contains($"SUCCESS: {queries.Count} rules found", check.Output, StringComparison.Ordinal);
    }
}
