using System.Text.Json.Nodes;
using k8s;
using TuneOperator.Api;
using TuneOperator.Controller.Hosting;

namespace TuneOperator.Controller.FineTuneJobs;

/// <summary>
/// The plan the operator hands the trainer in Start: the job's spec as JSON with <c>model.fromJob</c> replaced by the
/// parent's output as <c>model.source</c>, and every pvc:// or file:// location rewritten to the path the trainer sees
/// in its pod (pvc://claim/p → /mnt/pvc/claim/p). An unset <c>checkpoint.location</c> is filled in with its default,
/// <c>&lt;output.location&gt;/checkpoints</c>, so the trainer always saves checkpoints where the operator expects them. Pure.
/// </summary>
public static class TrainerPlan
{
    /// <summary>Builds the plan JSON.</summary>
    /// <param name="spec">The job's spec.</param>
    /// <param name="parentOutput">The parent job's status.output.path when the spec uses fromJob; null otherwise.</param>
    /// <exception cref="InvalidOperationException">The spec uses fromJob but no parent output is known.</exception>
    public static string Build(FineTuneJobSpec spec, string? parentOutput)
    {
        var root = JsonNode.Parse(OperatorJson.Serialize(spec))!.AsObject();
        if (spec.Checkpoint.LocationOrDefault(spec.Output?.Location) is { } checkpoints)
        {
            if (root["checkpoint"] is not JsonObject checkpoint)
            {
                checkpoint = new JsonObject();
                root["checkpoint"] = checkpoint;
            }

            checkpoint["location"] = checkpoints;
        }

        if (!string.IsNullOrEmpty(spec.Model.FromJob))
        {
            if (string.IsNullOrEmpty(parentOutput))
            {
                throw new InvalidOperationException($"spec.model.fromJob '{spec.Model.FromJob}' has no output yet; the plan needs the parent's status.output.path.");
            }

            var model = root["model"]!.AsObject();
            model.Remove("fromJob");
            model["source"] = parentOutput;
        }

        Localize(root);
        return root.ToJsonString();
    }

    /// <summary>The newest checkpoint with a digest (a complete one), or the newest at all when none carries one; null when none.</summary>
    public static string? ResumeFrom(FineTuneJobStatus? status)
    {
        var checkpoints = status?.Checkpoints;
        if (checkpoints is not { Count: > 0 })
        {
            return null;
        }

        var complete = checkpoints.Where(c => !string.IsNullOrEmpty(c.Sha256)).OrderBy(c => c.Step).LastOrDefault();
        return (complete ?? checkpoints.OrderBy(c => c.Step).Last()).Path;
    }

    private static void Localize(JsonNode node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj.ToList())
                {
                    if (child is JsonValue value && value.TryGetValue<string>(out var text) && IsLocation(text))
                    {
                        obj[name] = StorageLocation.Parse(text, name).LocalPath;
                    }
                    else if (child is not null)
                    {
                        Localize(child);
                    }
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is JsonValue value && value.TryGetValue<string>(out var text) && IsLocation(text))
                    {
                        array[i] = StorageLocation.Parse(text, "[" + i + "]").LocalPath;
                    }
                    else if (array[i] is { } child)
                    {
                        Localize(child);
                    }
                }

                break;
        }
    }

    private static bool IsLocation(string text) =>
        text.StartsWith("pvc://", StringComparison.Ordinal) || text.StartsWith("file:///", StringComparison.Ordinal);
}
