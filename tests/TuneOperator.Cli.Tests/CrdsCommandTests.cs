using TuneOperator.Cli.Commands;
using Xunit;

namespace TuneOperator.Cli.Tests;

public sealed class CrdsCommandTests
{
    [Fact]
    public async Task Generate_writes_one_file_per_kind_matching_the_committed_crds()
    {
        var output = Directory.CreateTempSubdirectory("tune-crds-");
        try
        {
            using var log = new StringWriter();
            var exitCode = await CrdsCommand.GenerateAsync(new DirectoryInfo(Path.Combine(output.FullName, "crds")), log, TestContext.Current.CancellationToken);

            Assert.Equal(0, exitCode);
            var written = Directory.GetFiles(Path.Combine(output.FullName, "crds")).Select(Path.GetFileName).Order().ToList();
            Assert.Equal(["tuneoperator.io_finetunejobs.yaml", "tuneoperator.io_finetunesweeps.yaml", "tuneoperator.io_modeldeployments.yaml"], written);
            foreach (var file in written)
            {
                var committed = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot(), "crds", file!), TestContext.Current.CancellationToken);
                var generated = await File.ReadAllTextAsync(Path.Combine(output.FullName, "crds", file!), TestContext.Current.CancellationToken);
                Assert.True(committed == generated, $"{file} differs from crds/; run: dotnet run --project src/TuneOperator.Cli -- crds generate --output crds/");
                Assert.Contains(file!, log.ToString(), StringComparison.Ordinal);
            }
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Command_line_parses_the_output_option()
    {
        var output = Directory.CreateTempSubdirectory("tune-crds-");
        try
        {
            var root = new System.CommandLine.RootCommand { CrdsCommand.Create() };
            var exitCode = await root.Parse(["crds", "generate", "--output", output.FullName]).InvokeAsync(cancellationToken: TestContext.Current.CancellationToken);

            Assert.Equal(0, exitCode);
            Assert.Equal(3, Directory.GetFiles(output.FullName, "*.yaml").Length);
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "TuneOperator.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("TuneOperator.sln not found above " + AppContext.BaseDirectory);
    }
}
