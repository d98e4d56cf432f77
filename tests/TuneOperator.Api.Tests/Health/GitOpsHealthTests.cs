using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TuneOperator.Testing.Schema;
using TuneOperator.Testing.Tools;
using Xunit;

namespace TuneOperator.Api.Tests.Health;

/// <summary>
/// The Argo CD health script (config/argocd/health.lua, run by a real Lua 5.4) and the Flux CEL health expressions
/// (config/flux/health-checks.yaml) read the conditions the operator writes the way kstatus does, and agree.
/// </summary>
public sealed class GitOpsHealthTests
{
    public static TheoryData<string, string, string, string> Cases => new()
    {
        // name, object JSON, Argo CD status, text the message must contain
        { "no status yet", """{"metadata":{"generation":1}}""", "Progressing", "Waiting" },
        { "old generation observed", """{"metadata":{"generation":2},"status":{"observedGeneration":1,"conditions":[{"type":"Ready","status":"True","reason":"Succeeded"}]}}""", "Progressing", "generation 2" },
        { "succeeded", """{"metadata":{"generation":1},"status":{"observedGeneration":1,"conditions":[{"type":"Ready","status":"True","reason":"Succeeded","message":"Training finished"},{"type":"Reconciling","status":"False"}]}}""", "Healthy", "Succeeded: Training finished" },
        { "invalid spec", """{"metadata":{"generation":1},"status":{"observedGeneration":1,"conditions":[{"type":"Ready","status":"False"},{"type":"Stalled","status":"True","reason":"InvalidSpec","message":"spec.dataset.train: required"}]}}""", "Degraded", "InvalidSpec: spec.dataset.train: required" },
        { "stalled wins over ready", """{"metadata":{"generation":3},"status":{"observedGeneration":3,"conditions":[{"type":"Ready","status":"True"},{"type":"Stalled","status":"True","reason":"RetentionRegressed"}]}}""", "Degraded", "RetentionRegressed" },
        { "suspended", """{"metadata":{"generation":1},"status":{"observedGeneration":1,"conditions":[{"type":"Ready","status":"False"},{"type":"Suspended","status":"True","reason":"Suspended","message":"spec.runPolicy.suspend is true"}]}}""", "Suspended", "suspend is true" },
        { "training", """{"metadata":{"generation":1},"status":{"observedGeneration":1,"conditions":[{"type":"Ready","status":"False"},{"type":"Reconciling","status":"True","reason":"Training","message":"step 40/100"}]}}""", "Progressing", "step 40/100" },
        { "not ready without reconciling", """{"metadata":{"generation":1},"status":{"observedGeneration":1,"conditions":[{"type":"Ready","status":"False","reason":"WaitingForParent","message":"waiting for job base"}]}}""", "Progressing", "waiting for job base" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Argo_cd_health_follows_the_kstatus_conditions(string name, string objectJson, string expectedStatus, string expectedMessage)
    {
        var (status, message) = ArgoHealth(JsonNode.Parse(objectJson)!);

        Assert.True(expectedStatus == status, $"{name}: expected {expectedStatus}, got {status} ({message})");
        Assert.Contains(expectedMessage, message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Flux_health_expressions_agree_with_argo_cd(string name, string objectJson, string argoStatus, string expectedMessage)
    {
        var obj = JsonNode.Parse(objectJson)!;
        if (obj["status"] is null)
        {
            // Flux evaluates the expressions against the object's fields; before the operator writes a status there is
            // nothing to evaluate and Flux keeps waiting, which is Argo CD's Progressing.
            Assert.Equal("Progressing", argoStatus);
            return;
        }

        var expected = argoStatus switch
        {
            "Healthy" => "Current",
            "Degraded" => "Failed",
            _ => "InProgress",
        };

        foreach (var check in FluxChecks())
        {
            Assert.True(expected == FluxStatus(check, obj), $"{name} ({check["kind"]}): Argo CD says {argoStatus} ({expectedMessage}), Flux says {FluxStatus(check, obj)}");
        }
    }

    [Fact]
    public void The_flux_example_uses_the_shipped_expressions()
    {
        var example = TuneOperator.Api.Validation.ManifestReader.ToJson(File.ReadAllText(Repository.Path("config", "flux", "kustomization-example.yaml")))[0]!;
        var shipped = FluxChecks().Single(c => (string?)c["kind"] == "FineTuneJob");

        Assert.True(JsonNode.DeepEquals(shipped, example["spec"]!["healthCheckExprs"]![0]));
    }

    [Fact]
    public void The_argocd_configmap_patch_inlines_the_same_script_for_every_kind()
    {
        var script = File.ReadAllText(Repository.Path("config", "argocd", "health.lua"));
        var patch = TuneOperator.Api.Validation.ManifestReader.ToJson(File.ReadAllText(Repository.Path("config", "argocd", "argocd-cm-patch.yaml")))[0]!;

        foreach (var kind in new[] { "FineTuneJob", "FineTuneSweep", "ModelDeployment" })
        {
            var inlined = (string?)patch["data"]![$"resource.customizations.health.tuneoperator.io_{kind}"];
            Assert.Equal(script, inlined);
        }
    }

    private static List<JsonObject> FluxChecks() =>
        [.. TuneOperator.Api.Validation.ManifestReader.ToJson(File.ReadAllText(Repository.Path("config", "flux", "health-checks.yaml")))[0]!.AsArray().OfType<JsonObject>()];

    /// <summary>Flux's order: inProgress, then failed, then current; none true is still in progress.</summary>
    private static string FluxStatus(JsonObject check, JsonNode obj)
    {
        var variables = obj.AsObject().ToDictionary(p => p.Key, p => (p.Value, (JsonObject?)null));
        bool Holds(string field) => check[field] is { } expression && CelExpression.Parse((string)expression!).Evaluate(variables) is true;

        return Holds("inProgress") ? "InProgress" : Holds("failed") ? "Failed" : Holds("current") ? "Current" : "InProgress";
    }

    private static (string Status, string Message) ArgoHealth(JsonNode obj)
    {
        var script = File.ReadAllText(Repository.Path("config", "argocd", "health.lua"));
        var program = new StringBuilder()
            .Append("obj = ").AppendLine(ToLua(obj))
            .AppendLine("local function health()").AppendLine(script).AppendLine("end")
            .AppendLine("local hs = health()")
            .AppendLine("io.write(hs.status, '\\n', hs.message)")
            .ToString();

        var result = ExternalTools.Run(ExternalTools.Lua, ["-"], input: program);

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Output.Split('\n', 2);
        return (lines[0], lines.Length > 1 ? lines[1] : "");
    }

    /// <summary>Writes JSON as a Lua table literal, the shape Argo CD hands the script (numbers as numbers, null omitted).</summary>
    private static string ToLua(JsonNode? node) => node switch
    {
        null => "nil",
        JsonObject o => "{" + string.Join(",", o.Where(p => p.Value is not null).Select(p => "[" + LuaString(p.Key) + "]=" + ToLua(p.Value))) + "}",
        JsonArray a => "{" + string.Join(",", a.Select(ToLua)) + "}",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => LuaString(v.GetValue<string>()),
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.GetValue<double>().ToString("R", CultureInfo.InvariantCulture),
        JsonValue v when v.GetValueKind() == JsonValueKind.True => "true",
        JsonValue v when v.GetValueKind() == JsonValueKind.False => "false",
        _ => "nil",
    };

    private static string LuaString(string text) =>
        "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal) + "\"";
}
