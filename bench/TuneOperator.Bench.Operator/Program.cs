using System.Globalization;
using System.Text.Json;
using TuneOperator.Bench.Operator;

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException ex)
{
    await Console.Error.WriteLineAsync("bench-operator: " + ex.Message);
    await Console.Error.WriteLineAsync(BenchOptions.Usage);
    return 2;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

if (options.Aot)
{
    Console.WriteLine("== publishing the operator as a Native AOT executable (needs clang)");
    await AotPublisher.PublishAsync(options.RepoRoot, Path.GetDirectoryName(options.OperatorDll)!, cancel.Token);
}

var results = new List<BenchResult>();
foreach (var jobs in options.Jobs)
{
    Console.WriteLine($"== {jobs} FineTuneJobs");
    var result = await OperatorBenchmark.RunAsync(options, jobs, line => Console.WriteLine("   " + line), cancel.Token);
    results.Add(result);
    Directory.CreateDirectory(options.ResultsDirectory);
    var file = Path.Combine(options.ResultsDirectory, $"operator-{jobs}-{result.StartedAt.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}.json");
    await File.WriteAllTextAsync(file, JsonSerializer.Serialize(result, ResultJson.Options), cancel.Token);
    Console.WriteLine("   wrote " + Path.GetRelativePath(options.RepoRoot, file));
}

Console.WriteLine();
Console.WriteLine(ResultTable.Format(results));
return 0;
