using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using TuneOperator.Api;
using TuneOperator.Api.Validation;

namespace TuneOperator.Cli.Local;

/// <summary>One trial of a sweep: its job and the parameter values it was given.</summary>
/// <param name="Job">The trial's FineTuneJob (named <c>&lt;sweep&gt;-&lt;index&gt;</c>).</param>
/// <param name="Values">Each swept spec path and its value, as JSON text.</param>
public sealed record TrialPlan(FineTuneJob Job, IReadOnlyDictionary<string, string> Values);

/// <summary>Expands a FineTuneSweep into its trial jobs: the grid's cartesian product, or seeded random draws.</summary>
public static class SweepTrials
{
    /// <summary>The trials of <paramref name="sweep"/>, in order; grid trials are capped by maxTrials when it is set.</summary>
    /// <exception cref="ValidationException">A trial's spec is invalid; the error names the trial and field.</exception>
    public static IReadOnlyList<TrialPlan> Expand(FineTuneSweep sweep)
    {
        ArgumentNullException.ThrowIfNull(sweep);
        var spec = sweep.Spec;
        var assignments = spec.Algorithm == SweepAlgorithm.Grid ? Grid(spec.Parameters) : RandomDraws(spec);
        if (spec.MaxTrials is { } max)
        {
            assignments = [.. assignments.Take(max)];
        }

        var template = JsonSerializer.SerializeToNode(spec.Template, ApiJson.Options)!.AsObject();
        var trials = new List<TrialPlan>();
        for (var i = 0; i < assignments.Count; i++)
        {
            var trialSpec = template.DeepClone().AsObject();
            foreach (var (path, value) in assignments[i])
            {
                SetPath(trialSpec, path, value.DeepClone());
            }

            var name = $"{sweep.Metadata.Name}-{i}";
            var job = new FineTuneJob
            {
                Metadata = new k8s.Models.V1ObjectMeta { Name = name, NamespaceProperty = sweep.Metadata.NamespaceProperty },
                Spec = trialSpec.Deserialize<FineTuneJobSpec>(ApiJson.Options)!,
            };
            var errors = FineTuneJobValidator.Validate(job);
            if (errors.Count > 0)
            {
                throw new ValidationException([.. errors.Select(e => e with { Field = $"trial {i} ({Describe(assignments[i])}): {e.Field}" })]);
            }

            trials.Add(new TrialPlan(job, assignments[i].ToDictionary(p => p.Key, p => p.Value.ToJsonString())));
        }

        return trials;
    }

    private static List<Dictionary<string, JsonNode>> Grid(IReadOnlyList<SweepParameter> parameters)
    {
        var result = new List<Dictionary<string, JsonNode>> { new() };
        foreach (var parameter in parameters)
        {
            result = [.. result.SelectMany(partial => parameter.Values!.Select(value =>
                new Dictionary<string, JsonNode>(partial) { [parameter.Path] = value }))];
        }

        return result;
    }

    private static List<Dictionary<string, JsonNode>> RandomDraws(FineTuneSweepSpec spec)
    {
        var random = new Random(unchecked((int)spec.Template.Hyperparameters.Seed));
        var result = new List<Dictionary<string, JsonNode>>();
        for (var i = 0; i < (spec.MaxTrials ?? 1); i++)
        {
            var draw = new Dictionary<string, JsonNode>();
            foreach (var parameter in spec.Parameters)
            {
                draw[parameter.Path] = parameter.Values is { } values
                    ? values[random.Next(values.Count)]
                    : JsonValue.Create(Sample(parameter.Range!, random.NextDouble()));
            }

            result.Add(draw);
        }

        return result;
    }

    private static double Sample(SweepRange range, double u) => range.Scale == RangeScale.Log
        ? Math.Exp(Math.Log(range.Min) + (u * (Math.Log(range.Max) - Math.Log(range.Min))))
        : range.Min + (u * (range.Max - range.Min));

    private static void SetPath(JsonObject spec, string path, JsonNode value)
    {
        var parts = path.Split('.');
        var node = spec;
        foreach (var part in parts[..^1])
        {
            if (node[part] is not JsonObject child)
            {
                child = [];
                node[part] = child;
            }

            node = child;
        }

        node[parts[^1]] = value;
    }

    private static string Describe(Dictionary<string, JsonNode> assignment) =>
        string.Join(", ", assignment.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key}={p.Value.ToJsonString()}")));
}
