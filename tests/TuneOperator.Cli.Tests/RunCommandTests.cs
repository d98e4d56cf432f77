using System.Text.Json;
using TuneOperator.Api;
using TuneOperator.Cli.Commands;
using TuneOperator.Cli.Local;
using Xunit;

namespace TuneOperator.Cli.Tests;

public sealed class RunCommandTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("tune-run-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(folder, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    private const string ValidJob = """
        apiVersion: tuneoperator.io/v1alpha1
        kind: FineTuneJob
        metadata:
          name: tiny
        spec:
          model:
            source: models/base
          dataset:
            train: data/train.jsonl
            format: completion
          output:
            location: out/tiny
        """;

    [Fact]
    public async Task A_bad_manifest_names_the_field_and_exits_with_2()
    {
        var manifest = Write("bad.yaml", ValidJob.Replace("format: completion", "format: poetry", StringComparison.Ordinal));
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = await RunCommand.ExecuteAsync(new RunArguments(manifest, Plain: true), output, error, TimeProvider.System,
            CancellationToken.None, TestContext.Current.CancellationToken);

        Assert.Equal(RunCommand.InvalidManifest, code);
        Assert.Contains("spec.dataset.format", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_trainer_is_a_failed_run_with_a_hint()
    {
        var manifest = Write("job.yaml", ValidJob);
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = await RunCommand.ExecuteAsync(new RunArguments(manifest, Plain: true, Trainer: Path.Combine(folder, "nope.dll")), output, error,
            TimeProvider.System, CancellationToken.None, TestContext.Current.CancellationToken);

        Assert.Equal(RunCommand.RunFailed, code);
        Assert.Contains("nope.dll", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Relative_locations_resolve_against_the_manifest_folder()
    {
        var manifest = LocalManifest.Load(Write("sub/job.yaml", ValidJob));

        var job = Assert.IsType<FineTuneJob>(Assert.Single(manifest.Resources));
        Assert.Equal(new Uri(Path.Combine(folder, "sub", "models", "base")).AbsoluteUri, job.Spec.Model.Source);
        Assert.Equal(Path.Combine(folder, "sub", "data", "train.jsonl"), LocalManifest.ToLocalPath(job.Spec.Dataset.Train!));
        Assert.Equal(Path.Combine(folder, "sub", ".tune", "runs"), manifest.RunsDirectory);
    }

    [Fact]
    public void FromJob_uses_the_local_parent_output_and_fails_clearly_without_one()
    {
        var child = ValidJob.Replace("name: tiny", "name: child", StringComparison.Ordinal)
            .Replace("source: models/base", "fromJob: tiny", StringComparison.Ordinal);
        var manifest = LocalManifest.Load(Write("child.yaml", child));
        var runner = new LocalJobRunner(manifest, new LocalRunOptions("", false, null, TimeSpan.Zero), TimeProvider.System);
        var job = (FineTuneJob)manifest.Resources[0];

        var missing = Assert.Throws<TuneOperator.Api.Validation.ValidationException>(() => runner.Plan(job));
        Assert.Equal("spec.model.fromJob", Assert.Single(missing.Errors).Field);

        var parentOutput = Path.Combine(folder, "out", "tiny");
        var status = new FineTuneJobStatus { Phase = JobPhase.Succeeded, Output = new ModelArtifact { Path = parentOutput } };
        Write(".tune/runs/tiny/status.json", JsonSerializer.Serialize(status, ApiJson.Options));

        var plan = runner.Plan(job);
        Assert.Null(plan.Model.FromJob);
        Assert.Equal(parentOutput, LocalManifest.ToLocalPath(plan.Model.Source!));
        Assert.Equal(Path.Combine(LocalManifest.ToLocalPath(plan.Output.Location), "checkpoints"), LocalManifest.ToLocalPath(plan.Checkpoint.Location!));
    }

    [Fact]
    public void A_sweep_grid_expands_to_every_combination()
    {
        var sweepYaml = """
            apiVersion: tuneoperator.io/v1alpha1
            kind: FineTuneSweep
            metadata:
              name: lr
            spec:
              objective:
                metric: eval_loss
              parameters:
                - path: hyperparameters.learningRate
                  values: [0.001, 0.01]
                - path: hyperparameters.batchSize
                  values: [2, 4]
              template:
                model:
                  source: models/base
                dataset:
                  train: data/train.jsonl
                  format: completion
                output:
                  location: out/lr
            """;
        var manifest = LocalManifest.Load(Write("sweep.yaml", sweepYaml));

        var trials = SweepTrials.Expand((FineTuneSweep)manifest.Resources[0]);

        Assert.Equal(4, trials.Count);
        Assert.Equal(["lr-0", "lr-1", "lr-2", "lr-3"], trials.Select(t => t.Job.Metadata.Name));
        Assert.Equal(0.01, trials[3].Job.Spec.Hyperparameters.LearningRate);
        Assert.Equal(4, trials[3].Job.Spec.Hyperparameters.BatchSize);
        Assert.Equal(2, trials[0].Job.Spec.Hyperparameters.BatchSize);
        Assert.Equal(Path.Combine(folder, "models", "base"), LocalManifest.ToLocalPath(trials[0].Job.Spec.Model.Source!));
    }
}
