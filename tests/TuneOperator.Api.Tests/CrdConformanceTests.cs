using System.Text.Json.Nodes;
using TuneOperator.Api.Crds;
using TuneOperator.Api.Validation;
using TuneOperator.Testing.Schema;
using Xunit;

namespace TuneOperator.Api.Tests;

/// <summary>Runs the samples and the invalid manifests through the API-server-like CRD validator (OpenAPI schema,
/// defaulting and CEL rules) built from the committed CRDs, alongside the C# validators.</summary>
public sealed class CrdConformanceTests
{
    private static readonly Dictionary<string, CrdValidator> Validators = Directory.GetFiles(RepoPaths.Crds, "*.yaml")
        .Select(f => CrdValidator.FromCrd(ParseYaml(File.ReadAllText(f))))
        .ToDictionary(v => v.Kind);

    public static TheoryData<string> Samples() => SampleTests.Samples();

    public static TheoryData<string> InvalidManifests() => InvalidManifestTests.Manifests();

    [Fact]
    public void Crds_lint_clean()
    {
        Assert.Equal(CrdGenerator.ResourceTypes.Count, Validators.Count);
        foreach (var (kind, validator) in Validators)
        {
            var problems = validator.Lint();
            Assert.True(problems.Count == 0, $"{kind}:\n" + string.Join("\n", problems));
        }
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Sample_is_accepted_by_the_crd(string file)
    {
        var obj = ParseYaml(File.ReadAllText(Path.Combine(RepoPaths.Samples, file)));
        var result = Validators[obj["kind"]!.GetValue<string>()].Validate(obj);
        Assert.True(result.Errors.Count == 0, $"{file}:\n" + string.Join("\n", result.Errors));
    }

    [Theory]
    [MemberData(nameof(InvalidManifests))]
    public void Invalid_manifest_is_rejected_by_the_crd_or_the_validator_naming_its_field(string file)
    {
        var text = File.ReadAllText(Path.Combine(RepoPaths.InvalidManifests, file));
        var field = InvalidManifestTests.ExpectedField(text, file);
        var obj = ParseYaml(text);
        var crdErrors = Validators[obj["kind"]!.GetValue<string>()].Validate(obj).Errors.Select(e => e.ToString()).ToList();
        var csharpErrors = ResourceValidator.ReadAndValidate(text).Errors.Select(e => e.Field).ToList();

        var namedByCrd = crdErrors.Any(e => e.StartsWith(field + ":", StringComparison.Ordinal) || e.Contains($"\"{field}\"", StringComparison.Ordinal));
        Assert.True(namedByCrd || csharpErrors.Contains(field),
            $"{file}: expected {field} to be named.\nCRD: {string.Join(" | ", crdErrors)}\nC#: {string.Join(" | ", csharpErrors)}");
    }

    [Fact]
    public void Crd_defaults_match_the_csharp_defaults()
    {
        var text = File.ReadAllText(Path.Combine(RepoPaths.Samples, "finetunejob-sequential.yaml"));
        var defaulted = Validators["FineTuneJob"].Validate(ParseYaml(text)).Object!["spec"]!;
        var typed = System.Text.Json.JsonSerializer.SerializeToNode(ManifestReader.ReadOrThrow<FineTuneJob>(text).Spec, ApiJson.Options)!;
        Assert.True(JsonNode.DeepEquals(Normalize(defaulted), Normalize(typed)), $"CRD: {defaulted.ToJsonString()}\nC#:  {typed.ToJsonString()}");
    }

    [Fact]
    public void Transition_rules_allow_run_policy_changes_only()
    {
        var validator = Validators["FineTuneJob"];
        var old = ParseYaml(File.ReadAllText(Path.Combine(RepoPaths.Samples, "finetunejob-full.yaml")));

        var suspended = old.DeepClone();
        suspended["spec"]!["runPolicy"]!["suspend"] = true;
        Assert.Empty(validator.Validate(Reparse(suspended), old).Errors);

        var faster = old.DeepClone();
        faster["spec"]!["hyperparameters"]!["learningRate"] = 0.001;
        Assert.Contains(validator.Validate(Reparse(faster), old).Errors, e => e.ToString().StartsWith("spec.hyperparameters:", StringComparison.Ordinal));

        var withEvaluation = old.DeepClone();
        withEvaluation["spec"]!["evaluation"] = new JsonObject { ["everySteps"] = 10 };
        Assert.Contains(validator.Validate(Reparse(withEvaluation), old).Errors, e => e.ToString().StartsWith("spec.evaluation:", StringComparison.Ordinal));

        var moreGpus = old.DeepClone();
        moreGpus["spec"]!["resources"]!["gpus"] = 2;
        Assert.Contains(validator.Validate(Reparse(moreGpus), old).Errors, e => e.ToString().StartsWith("spec.resources:", StringComparison.Ordinal));
        var moreGpusWhileSuspended = suspended.DeepClone();
        moreGpusWhileSuspended["spec"]!["resources"]!["gpus"] = 2;
        Assert.Empty(validator.Validate(Reparse(moreGpusWhileSuspended), Reparse(suspended)).Errors);
    }

    private static JsonNode ParseYaml(string yaml) => Reparse(ManifestReader.ToJson(yaml).Single()!);

    /// <summary>CrdValidator reads numbers as parsed JSON, so edited trees are written out and parsed again.</summary>
    private static JsonNode Reparse(JsonNode node) => JsonNode.Parse(node.ToJsonString())!;

    private static JsonNode? Normalize(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Normalize(p.Value)))),
        JsonArray a => new JsonArray(a.Select(Normalize).ToArray()),
        JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.Number => JsonValue.Create(double.Parse(v.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture)),
        _ => node?.DeepClone(),
    };
}
