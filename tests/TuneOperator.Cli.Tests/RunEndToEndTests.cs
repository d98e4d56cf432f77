using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using TuneOperator.Api;
using TuneOperator.Cli.Local;
using TuneOperator.Testing.Tools;
using Xunit;

namespace TuneOperator.Cli.Tests;

/// <summary>
/// <c>tune run</c> as users run it: the built CLI as a process (output to a pipe, so plain lines), the real
/// <c>tune-trainer</c> as its child, on a tiny model and data written by the test into a temporary folder.
/// </summary>
public sealed partial class RunEndToEndTests : IDisposable
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(4);
    private readonly string folder = Directory.CreateTempSubdirectory("tune-e2e-").FullName;

    public RunEndToEndTests()
    {
        var tokenizer = Path.Combine(folder, "tokenizer");
        Directory.CreateDirectory(tokenizer);
        foreach (var file in Directory.GetFiles(Repository.Path("examples", "quickstart", "tokenizer")))
        {
            File.Copy(file, Path.Combine(tokenizer, Path.GetFileName(file)));
        }

        string[] products = ["lamp", "kettle", "chair", "desk", "clock", "jacket"];
        string[] good = ["great", "lovely", "sturdy"];
        string[] bad = ["awful", "broken", "cheap"];
        string Row(int i)
        {
            var positive = i % 2 == 0;
            var words = positive ? good : bad;
            var review = $"Review: The {products[i % products.Length]} is {words[i / 2 % words.Length]}. Positive or negative?";
            return JsonSerializer.Serialize(new { messages = new[] { new { role = "user", content = review }, new { role = "assistant", content = positive ? "positive" : "negative" } } });
        }

        File.WriteAllLines(Path.Combine(folder, "train.jsonl"), Enumerable.Range(0, 32).Select(Row));
        File.WriteAllLines(Path.Combine(folder, "validation.jsonl"), Enumerable.Range(100, 6).Select(Row));
        File.WriteAllLines(Path.Combine(folder, "retention.jsonl"), Enumerable.Range(0, 4).Select(i => JsonSerializer.Serialize(new
        {
            messages = new[] { new { role = "user", content = "Tell me what happened." }, new { role = "assistant", content = $"The farmer carried the box {i} times near the river." } },
        })));
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Manifest(string name, int steps, int checkpointEvery) => Write($"{name}.yaml", $"""
        apiVersion: tuneoperator.io/v1alpha1
        kind: FineTuneJob
        metadata:
          name: {name}
        spec:
          model:
            init:
              architecture: llama
              vocabSize: 512
              hiddenSize: 16
              layers: 1
              heads: 2
              maxPositionEmbeddings: 64
              tokenizer: tokenizer
          dataset:
            train: train.jsonl
            validation: validation.jsonl
            format: chat
            maxSeqLength: 64
          objective:
            type: responseOnly
          hyperparameters:
            learningRate: 0.003
            maxSteps: {steps}
            batchSize: 4
          evaluation:
            metrics: [loss, exactMatch]
            retention:
              dataset: retention.jsonl
              maxRegression: 10
              action: warn
          checkpoint:
            everySteps: {checkpointEvery}
          output:
            location: out/{name}
        """);

    private string Write(string name, string text)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    private FineTuneJobStatus ReadStatus(string job) =>
        JsonSerializer.Deserialize<FineTuneJobStatus>(File.ReadAllText(Path.Combine(folder, ".tune", "runs", job, LocalJobRunner.StatusFileName)), ApiJson.Options)!;

    [Fact]
    public async Task A_tiny_job_runs_to_Succeeded_with_a_summary_and_a_status_file()
    {
        var manifest = Manifest("tiny", steps: 6, checkpointEvery: 3);
        var extraStatus = Path.Combine(folder, "copy", "status.json");

        using var tune = TuneProcess.Start(folder, "run", manifest, "--trainer", TuneProcess.TrainerDll, "--output-status", extraStatus);
        var code = await tune.WaitForExitAsync(RunTimeout, Ct);

        var text = tune.Output;
        Assert.True(code == 0, $"exit code {code}\n{text}\n{tune.Error}");
        Assert.DoesNotContain('\u001b', text);
        Assert.Contains("[tiny] eval at step 0: ", text, StringComparison.Ordinal);
        Assert.Contains("[tiny] step 6/6  loss ", text, StringComparison.Ordinal);
        Assert.Contains("== tiny: Succeeded (Completed)", text, StringComparison.Ordinal);
        Assert.Contains("before -> after (step 0 -> step 6)", text, StringComparison.Ordinal);
        Assert.Matches(SummaryLine("exactMatch"), text);
        Assert.Matches(SummaryLine("evalLoss"), text);
        Assert.Matches(@"retention: [+-][0-9.]+% perplexity change on held-back general data \(perplexity [0-9.]+ -> [0-9.]+\)", text);
        Assert.Contains("checkpoints: 2, newest step 6 at ", text, StringComparison.Ordinal);
        Assert.Contains($"output: {Path.Combine(folder, "out", "tiny")}", text, StringComparison.Ordinal);
        Assert.Contains($"status: {extraStatus}", text, StringComparison.Ordinal);

        var status = ReadStatus("tiny");
        Assert.Contains($"newest step 6 at {status.Checkpoints![^1].Path} ({status.Checkpoints[^1].Sha256})", text, StringComparison.Ordinal);
        Assert.Contains($"output: {Path.Combine(folder, "out", "tiny")} ({status.Output!.Digest})", text, StringComparison.Ordinal);
        Assert.Equal(JobPhase.Succeeded, status.Phase);
        Assert.True(Conditions.IsTrue(status.Conditions, ConditionTypes.Succeeded));
        Assert.True(Conditions.IsTrue(status.Conditions, ConditionTypes.Ready));
        Assert.Equal(6, status.Progress!.Step);
        Assert.Equal(6, status.Progress.TotalSteps);
        Assert.Equal(100, status.Progress.Percent);
        Assert.InRange(status.BaselineMetrics![MetricNames.ExactMatch], 0, 1);
        Assert.True(status.BaselineMetrics[MetricNames.EvalLoss] > 0);
        Assert.Equal(0, status.BaselineMetrics[MetricNames.RetentionRegression], 6);
        Assert.True(status.Metrics![MetricNames.EvalLoss] < status.BaselineMetrics[MetricNames.EvalLoss],
            $"eval loss {status.Metrics[MetricNames.EvalLoss]} after training vs {status.BaselineMetrics[MetricNames.EvalLoss]} before");
        Assert.True(status.Metrics.ContainsKey(MetricNames.TrainLoss));
        Assert.Equal([3L, 6L], status.Checkpoints!.Select(c => c.Step));
        Assert.All(status.Checkpoints!, c => Assert.True(Directory.Exists(LocalManifest.ToLocalPath(c.Path)), c.Path));
        Assert.All(status.Checkpoints!, c => Assert.Matches("^sha256:[0-9a-f]{64}$", c.Sha256));
        var output = LocalManifest.ToLocalPath(status.Output!.Path);
        Assert.Equal(Path.Combine(folder, "out", "tiny"), output);
        Assert.True(File.Exists(Path.Combine(output, "model.safetensors")));
        Assert.True(File.Exists(Path.Combine(output, "config.json")));
        Assert.True(File.Exists(Path.Combine(output, "tokenizer.json")));
        Assert.StartsWith("sha256:", status.Output.Digest, StringComparison.Ordinal);
        Assert.NotNull(status.Lineage?.DatasetDigest);
        Assert.NotNull(status.CompletionTime);
        Assert.Equal(File.ReadAllText(Path.Combine(folder, ".tune", "runs", "tiny", LocalJobRunner.StatusFileName)), File.ReadAllText(extraStatus));
    }

    [Fact]
    public async Task Ctrl_C_checkpoints_and_stops_and_resume_continues_from_that_checkpoint()
    {
        // Enough steps that the run is still going when the interrupt lands after the first checkpoint.
        const int Steps = 400;
        var manifest = Manifest("long", Steps, checkpointEvery: 10);

        int interruptedAt;
        using (var first = TuneProcess.Start(folder, "run", manifest, "--trainer", TuneProcess.TrainerDll))
        {
            var checkpointLine = first.WaitForLineAsync(line => line.StartsWith("[long] checkpoint at step ", StringComparison.Ordinal));
            var exited = first.WaitForExitAsync(RunTimeout, Ct);
            Assert.True(checkpointLine == await Task.WhenAny(checkpointLine, exited), $"tune exited before its first checkpoint:\n{first.Output}\n{first.Error}");
            await first.InterruptAsync(Ct);

            var code = await exited;
            var text = first.Output;
            Assert.True(code == 130, $"exit code {code}\n{text}\n{first.Error}");
            Assert.Contains("interrupt: saving a checkpoint and stopping", first.Error, StringComparison.Ordinal);
            Assert.Contains("== long: Suspended", text, StringComparison.Ordinal);
            Assert.Contains("interrupted: `tune run --resume <manifest>` continues from the newest checkpoint", text, StringComparison.Ordinal);

            var status = ReadStatus("long");
            Assert.Equal(JobPhase.Suspended, status.Phase);
            Assert.True(Conditions.IsTrue(status.Conditions, ConditionTypes.Suspended));
            Assert.False(Conditions.IsTrue(status.Conditions, ConditionTypes.Running));
            Assert.Null(status.Output);
            Assert.NotNull(status.BaselineMetrics);
            var newest = status.Checkpoints!.MaxBy(c => c.Step)!;
            Assert.True(Directory.Exists(LocalManifest.ToLocalPath(newest.Path)), newest.Path);
            Assert.True(newest.Step >= 10, $"newest checkpoint at step {newest.Step}");
            Assert.True(newest.Step < Steps, $"the run finished (step {newest.Step}) before the interrupt; it cannot show a resume");
            Assert.Equal(newest.Step, status.Progress!.Step);
            interruptedAt = (int)newest.Step;
        }

        using var resumed = TuneProcess.Start(folder, "run", "--resume", manifest, "--trainer", TuneProcess.TrainerDll);
        var resumedCode = await resumed.WaitForExitAsync(RunTimeout, Ct);

        var resumedText = resumed.Output;
        Assert.True(resumedCode == 0, $"exit code {resumedCode}\n{resumedText}\n{resumed.Error}");
        Assert.Contains($"[long] resuming from the checkpoint at step {interruptedAt}: ", resumedText, StringComparison.Ordinal);
        var firstStep = StepLine().Match(resumedText);
        Assert.True(firstStep.Success, resumedText);
        Assert.Equal(interruptedAt + 1, int.Parse(firstStep.Groups[1].Value, CultureInfo.InvariantCulture));
        Assert.DoesNotContain("eval at step 0:", resumedText, StringComparison.Ordinal);
        Assert.Contains("== long: Succeeded (Completed)", resumedText, StringComparison.Ordinal);
        Assert.Contains($"before -> after (step 0 -> step {Steps})", resumedText, StringComparison.Ordinal);

        var final = ReadStatus("long");
        Assert.Equal(JobPhase.Succeeded, final.Phase);
        Assert.Equal(1, final.Restarts);
        Assert.Equal(Steps, final.Progress!.Step);
        Assert.NotNull(final.BaselineMetrics);
        Assert.Contains(final.Checkpoints!, c => c.Step == Steps);
        Assert.True(File.Exists(Path.Combine(LocalManifest.ToLocalPath(final.Output!.Path), "model.safetensors")));
    }

    [Fact]
    public async Task On_a_terminal_the_live_view_shows_progress_and_Ctrl_C_stops_with_a_checkpoint()
    {
        Assert.SkipUnless(File.Exists(TuneProcess.Script), $"{TuneProcess.Script} (util-linux) is needed for a pseudo-terminal");
        const int Steps = 400;
        var manifest = Manifest("live", Steps, checkpointEvery: 10);

        using var tune = TuneProcess.StartOnTerminal(folder, "run", manifest, "--trainer", TuneProcess.TrainerDll);
        var checkpointLine = tune.WaitForLineAsync(line => line.Contains("checkpoint at step ", StringComparison.Ordinal));
        var exited = tune.WaitForExitAsync(RunTimeout, Ct);
        Assert.True(checkpointLine == await Task.WhenAny(checkpointLine, exited), $"tune exited before its first checkpoint:\n{tune.Output}\n{tune.Error}");
        await tune.TypeAsync("\u0003", Ct);

        var code = await exited;
        var text = tune.Output;
        Assert.True(code == 130, $"exit code {code}\n{text}\n{tune.Error}");
        Assert.Contains('\u001b', text);
        Assert.Matches(@"live: step [0-9]+/400  loss [0-9.]+  exactMatch [0-9.]+  [0-9]+ tok/s  ETA [0-9]+:[0-9]{2}", text);
        Assert.Matches("━+", text);
        Assert.Matches(@" [0-9]+% ", text);
        Assert.Contains("interrupt: saving a checkpoint and stopping", text, StringComparison.Ordinal);
        Assert.Contains("== live: Suspended", text, StringComparison.Ordinal);

        var status = ReadStatus("live");
        Assert.Equal(JobPhase.Suspended, status.Phase);
        var newest = status.Checkpoints!.MaxBy(c => c.Step)!;
        Assert.True(Directory.Exists(LocalManifest.ToLocalPath(newest.Path)), newest.Path);
        Assert.InRange(newest.Step, 10, Steps - 1);
        Assert.Equal(newest.Step, status.Progress!.Step);
    }

    [Fact]
    public async Task A_bad_manifest_exits_with_2_and_names_the_field()
    {
        var manifest = Write("bad.yaml", File.ReadAllText(Manifest("bad", 2, 1)).Replace("format: chat", "format: poetry", StringComparison.Ordinal));

        using var tune = TuneProcess.Start(folder, "run", manifest, "--trainer", TuneProcess.TrainerDll);
        var code = await tune.WaitForExitAsync(RunTimeout, Ct);

        Assert.Equal(2, code);
        Assert.Contains($"{manifest} is not valid:", tune.Error, StringComparison.Ordinal);
        Assert.Contains("spec.dataset.format", tune.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(folder, ".tune", "runs", "bad")));
    }

    private static Regex SummaryLine(string metric) => new($@"\n   {metric} +[0-9.]+ -> [0-9.]+\n");

    [GeneratedRegex(@"\[long\] step ([0-9]+)/")]
    private static partial Regex StepLine();
}
