using System.CommandLine;
using TuneOperator.Api.Crds;

namespace TuneOperator.Cli.Commands;

/// <summary><c>tune crds generate --output crds/</c>: writes the CustomResourceDefinitions generated from the API
/// types.</summary>
internal static class CrdsCommand
{
    /// <summary>Creates the <c>crds</c> command with its <c>generate</c> subcommand.</summary>
    public static Command Create()
    {
        var output = new Option<DirectoryInfo>("--output", "-o")
        {
            Description = "Folder the CRD YAML files are written to (created if missing).",
            DefaultValueFactory = _ => new DirectoryInfo("crds"),
        };
        var generate = new Command("generate", "Generate the CRDs (one YAML file per kind) from the C# API types.")
        {
            output,
        };
        generate.SetAction((parseResult, cancellationToken) =>
            GenerateAsync(parseResult.GetValue(output)!, Console.Out, cancellationToken));

        return new Command("crds", "Work with TuneOperator's CustomResourceDefinitions.") { generate };
    }

    /// <summary>Writes every generated CRD into <paramref name="directory"/> and lists the files written.</summary>
    public static async Task<int> GenerateAsync(DirectoryInfo directory, TextWriter log, CancellationToken cancellationToken)
    {
        directory.Create();
        foreach (var crd in CrdGenerator.WithDocumentation().GenerateAll())
        {
            var path = Path.Combine(directory.FullName, crd.FileName);
            await File.WriteAllTextAsync(path, crd.ToYaml(), cancellationToken);
            await log.WriteLineAsync($"wrote {path}");
        }

        return 0;
    }
}
