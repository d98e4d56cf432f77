using System.Text.Json.Nodes;
using TuneOperator.Api;
using TuneOperator.Api.Validation;

namespace TuneOperator.Cli.Local;

/// <summary>The FineTuneJobs and FineTuneSweeps of one manifest file, validated, with locations made absolute.</summary>
/// <param name="Path">The manifest's full path.</param>
/// <param name="Resources">Each document's resource (a <see cref="FineTuneJob"/> or <see cref="FineTuneSweep"/>), in file order.</param>
public sealed record LocalManifest(string Path, IReadOnlyList<object> Resources)
{
    /// <summary>The manifest's folder, against which relative paths resolve.</summary>
    public string Directory => System.IO.Path.GetDirectoryName(Path)!;

    /// <summary>The folder holding each local job's status.json and output: <c>&lt;manifest dir&gt;/.tune/runs</c>.</summary>
    public string RunsDirectory => System.IO.Path.Combine(Directory, ".tune", "runs");

    /// <summary>
    /// Reads and validates <paramref name="path"/>. Location fields that are relative paths (<c>data/train.jsonl</c>),
    /// absolute paths or relative file URIs (<c>file://data/train.jsonl</c>) become <c>file:///</c> URIs of absolute paths
    /// under the manifest's folder. Every document is decoded strictly and validated like the API server would.
    /// </summary>
    /// <exception cref="ValidationException">The manifest is invalid; each error names the document and field path.</exception>
    public static LocalManifest Load(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new ValidationException([new ValidationError("manifest", $"file {full} does not exist; pass the path of a FineTuneJob YAML file")]);
        }

        var folder = System.IO.Path.GetDirectoryName(full)!;
        var documents = ManifestReader.ToJson(File.ReadAllText(full));
        var resources = new List<object>();
        var errors = new List<ValidationError>();
        for (var i = 0; i < documents.Count; i++)
        {
            var document = documents[i];
            if (document is null)
            {
                continue;
            }

            var prefix = documents.Count > 1 ? $"document {i + 1}: " : "";
            if (document["spec"] is JsonObject spec)
            {
                ResolveLocations(document["kind"]?.GetValue<string>() == FineTuneSweep.KindName ? spec["template"] as JsonObject : spec, folder);
            }

            var read = ManifestReader.Decode(document);
            var problems = read.Resource switch
            {
                null => read.Errors,
                FineTuneJob job => FineTuneJobValidator.Validate(job),
                FineTuneSweep sweep => FineTuneSweepValidator.Validate(sweep),
                var other => [new ValidationError("kind", $"tune run runs FineTuneJob and FineTuneSweep resources, not {other.GetType().Name}")],
            };
            if (problems.Count > 0)
            {
                errors.AddRange(problems.Select(e => e with { Field = prefix + e.Field }));
            }
            else
            {
                resources.Add(read.Resource!);
            }
        }

        if (errors.Count == 0 && resources.Count == 0)
        {
            errors.Add(new ValidationError("manifest", $"{full} holds no resource; add a FineTuneJob document"));
        }

        return errors.Count > 0 ? throw new ValidationException(errors) : new LocalManifest(full, resources);
    }

    /// <summary>Turns a <c>file:///</c> URI into a local path; other strings are returned unchanged.</summary>
    public static string ToLocalPath(string location) =>
        location.StartsWith("file://", StringComparison.Ordinal) ? new Uri(location).LocalPath : location;

    /// <summary>Turns an absolute local path into a <c>file:///</c> URI.</summary>
    public static string ToFileUri(string absolutePath) => new Uri(System.IO.Path.GetFullPath(absolutePath)).AbsoluteUri;

    private static void ResolveLocations(JsonObject? spec, string folder)
    {
        if (spec is null)
        {
            return;
        }

        Resolve(spec["model"] as JsonObject, "source", folder);
        Resolve(spec["model"]?["init"] as JsonObject, "tokenizer", folder);
        if (spec["dataset"] is JsonObject dataset)
        {
            Resolve(dataset, "train", folder);
            Resolve(dataset, "validation", folder);
            if (dataset["mix"] is JsonArray mix)
            {
                foreach (var entry in mix.OfType<JsonObject>())
                {
                    Resolve(entry, "train", folder);
                }
            }
        }

        Resolve(spec["output"] as JsonObject, "location", folder);
        Resolve(spec["checkpoint"] as JsonObject, "location", folder);
        if (spec["evaluation"] is JsonObject evaluation)
        {
            foreach (var (_, value) in evaluation)
            {
                Resolve(value as JsonObject, "dataset", folder);
            }
        }
    }

    private static void Resolve(JsonObject? owner, string field, string folder)
    {
        if (owner?[field] is not JsonValue value || !value.TryGetValue<string>(out var location) || location.Length == 0)
        {
            return;
        }

        if (location.StartsWith("pvc://", StringComparison.Ordinal) || location.StartsWith("file:///", StringComparison.Ordinal))
        {
            return;
        }

        var relative = location.StartsWith("file://", StringComparison.Ordinal) ? location["file://".Length..] : location;
        if (relative.Contains("://", StringComparison.Ordinal))
        {
            return;
        }

        owner[field] = ToFileUri(System.IO.Path.Combine(folder, relative));
    }
}
