using System.Text.Json.Nodes;
using TuneOperator.Api.Validation;
using TuneOperator.Testing.Tools;
using Xunit;

namespace TuneOperator.Controller.Tests.Chart;

/// <summary>The Helm chart, rendered by the real helm: what it installs and the RBAC it grants.</summary>
public sealed class ChartTests
{
    private static readonly string ChartPath = Repository.Path("charts", "tune-operator");

    private static List<JsonObject> Render(params string[] settings)
    {
        var arguments = new List<string> { "template", "tune-operator", ChartPath, "--namespace", "tune-system", "--include-crds" };
        foreach (var setting in settings)
        {
            arguments.Add("--set");
            arguments.Add(setting);
        }

        var result = ExternalTools.Run(ExternalTools.Helm, arguments);
        Assert.True(result.ExitCode == 0, result.ToString());
        return [.. ManifestReader.ToJson(result.Output).OfType<JsonObject>()];
    }

    private static JsonObject Single(List<JsonObject> objects, string kind, string? name = null) =>
        Assert.Single(objects, o => (string?)o["kind"] == kind && (name is null || (string?)o["metadata"]?["name"] == name));

    private static bool Allows(JsonArray rules, string group, string resource, string verb) =>
        rules.OfType<JsonObject>().Any(rule =>
            rule["apiGroups"]!.AsArray().Any(g => (string?)g == group)
            && rule["resources"]!.AsArray().Any(r => (string?)r == resource)
            && rule["verbs"]!.AsArray().Any(v => (string?)v == verb || (string?)v == "*"));

    [Fact]
    public void Helm_lint_passes()
    {
        var result = ExternalTools.Run(ExternalTools.Helm, ["lint", ChartPath, "--strict"]);

        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Fact]
    public void The_chart_installs_the_generated_crds_unchanged()
    {
        foreach (var generated in Directory.GetFiles(Repository.Path("crds"), "*.yaml"))
        {
            var copy = Path.Combine(ChartPath, "crds", Path.GetFileName(generated));
            Assert.True(File.Exists(copy), $"{copy} is missing: copy crds/*.yaml into charts/tune-operator/crds/.");
            Assert.True(File.ReadAllText(generated) == File.ReadAllText(copy), $"{copy} differs from {generated}: run `tune crds generate --output charts/tune-operator/crds`.");
        }

        var crds = Render().Where(o => (string?)o["kind"] == "CustomResourceDefinition").Select(o => (string?)o["metadata"]!["name"]).Order().ToList();
        Assert.Equal(["finetunejobs.tuneoperator.io", "finetunesweeps.tuneoperator.io", "modeldeployments.tuneoperator.io"], crds);
    }

    [Fact]
    public void The_operator_runs_restricted_with_probes_and_its_options_from_values()
    {
        var objects = Render("trainerImage.tag=1.2.3", "workers=8");
        var deployment = Single(objects, "Deployment", "tune-operator");
        var pod = deployment["spec"]!["template"]!["spec"]!;
        var container = pod["containers"]![0]!;
        var env = container["env"]!.AsArray().OfType<JsonObject>().ToDictionary(e => (string)e["name"]!, e => e);

        Assert.True((bool)pod["securityContext"]!["runAsNonRoot"]!);
        Assert.Equal("RuntimeDefault", (string?)pod["securityContext"]!["seccompProfile"]!["type"]);
        Assert.False((bool)container["securityContext"]!["allowPrivilegeEscalation"]!);
        Assert.True((bool)container["securityContext"]!["readOnlyRootFilesystem"]!);
        Assert.Equal("ALL", (string?)container["securityContext"]!["capabilities"]!["drop"]![0]);
        Assert.Equal("/healthz", (string?)container["livenessProbe"]!["httpGet"]!["path"]);
        Assert.Equal("/readyz", (string?)container["readinessProbe"]!["httpGet"]!["path"]);
        Assert.Equal("ghcr.io/tuneoperator/trainer:1.2.3", (string?)env["Operator__TrainerImage"]["value"]);
        Assert.Equal("8", (string?)env["Operator__Workers"]["value"]);
        Assert.Equal("metadata.namespace", (string?)env["Operator__LeaderElection__LeaseNamespace"]["valueFrom"]!["fieldRef"]!["fieldPath"]);
        Assert.Equal("tune-operator", (string?)pod["serviceAccountName"]);
    }

    [Fact]
    public void Cluster_wide_rbac_grants_what_the_operator_does_and_no_more()
    {
        var objects = Render();
        var rules = Single(objects, "ClusterRole", "tune-operator")["rules"]!.AsArray();
        var leases = Single(objects, "Role", "tune-operator-leader-election")["rules"]!.AsArray();

        foreach (var kind in new[] { "finetunejobs", "finetunesweeps", "modeldeployments" })
        {
            Assert.True(Allows(rules, "tuneoperator.io", kind, "watch"));
            Assert.True(Allows(rules, "tuneoperator.io", kind + "/status", "update"));
            Assert.True(Allows(rules, "tuneoperator.io", kind + "/finalizers", "update"));
        }

        Assert.True(Allows(rules, "", "pods", "create"));
        Assert.True(Allows(rules, "", "pods", "delete"));
        Assert.True(Allows(rules, "", "secrets", "create"));
        Assert.True(Allows(rules, "events.k8s.io", "events", "create"));
        Assert.True(Allows(rules, "apps", "deployments", "update"));
        Assert.True(Allows(leases, "coordination.k8s.io", "leases", "update"));
        Assert.False(Allows(rules, "", "secrets", "update"));
        Assert.False(Allows(rules, "", "nodes", "get"));
        Assert.DoesNotContain(rules.OfType<JsonObject>(), rule => rule["verbs"]!.AsArray().Any(v => (string?)v == "*") || rule["resources"]!.AsArray().Any(r => (string?)r == "*"));
        var binding = Single(objects, "ClusterRoleBinding", "tune-operator");
        Assert.Equal("tune-system", (string?)binding["subjects"]![0]!["namespace"]);
    }

    [Fact]
    public void Watching_namespaces_grants_namespaced_roles_only()
    {
        var objects = Render("watchNamespaces={team-a,team-b}");

        Assert.DoesNotContain(objects, o => (string?)o["kind"] == "ClusterRole");
        var roles = objects.Where(o => (string?)o["kind"] == "Role" && (string?)o["metadata"]!["name"] == "tune-operator").Select(o => (string?)o["metadata"]!["namespace"]).Order().ToList();
        Assert.Equal(["team-a", "team-b"], roles);
        var env = Single(objects, "Deployment")["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]!.AsArray();
        Assert.Contains(env, e => (string?)e!["name"] == "Operator__WatchNamespaces" && (string?)e["value"] == "team-a,team-b");
    }

    [Fact]
    public void Monitoring_objects_carry_the_shipped_rules_and_dashboard()
    {
        var objects = Render("metrics.serviceMonitor.enabled=true", "metrics.prometheusRule.enabled=true", "dashboards.enabled=true");

        var monitor = Single(objects, "ServiceMonitor");
        Assert.Equal("metrics", (string?)monitor["spec"]!["endpoints"]![0]!["port"]);
        var rule = Single(objects, "PrometheusRule");
        var shipped = ManifestReader.ToJson(File.ReadAllText(Repository.Path("config", "prometheus", "tune-operator.rules.yaml")))[0]!;
        Assert.True(JsonNode.DeepEquals(shipped["groups"], rule["spec"]!["groups"]), "The chart's PrometheusRule differs from config/prometheus/tune-operator.rules.yaml.");
        var dashboard = Single(objects, "ConfigMap", "tune-operator-dashboards");
        Assert.Equal(File.ReadAllText(Repository.Path("config", "grafana", "tune-operator.json")).TrimEnd(), ((string?)dashboard["data"]!["tune-operator.json"])!.TrimEnd());
        Assert.Equal("1", (string?)dashboard["metadata"]!["labels"]!["grafana_dashboard"]);
    }

    [Fact]
    public void Monitoring_objects_are_off_by_default()
    {
        var kinds = Render().Select(o => (string?)o["kind"]).ToList();

        Assert.DoesNotContain("ServiceMonitor", kinds);
        Assert.DoesNotContain("PrometheusRule", kinds);
        Assert.DoesNotContain("ConfigMap", kinds);
    }
}
