using System.Diagnostics;
using System.Text.Json;
using TuneOperator.Bench.Trainer;
using TuneOperator.Trainer;

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException exception)
{
    await Console.Error.WriteLineAsync(exception.Message);
    return 2;
}

TorchRuntime.Initialize(options.Threads);
var json = new JsonSerializerOptions { WriteIndented = false };
if (options.Ops)
{
    foreach (var timing in OpProfile.Run(options.Model, options.Steps))
    {
        Console.WriteLine(JsonSerializer.Serialize(timing, json));
    }

    return 0;
}

using var trainer = new BenchTrainer(options);
if (options.Growth)
{
    var clock = Stopwatch.StartNew();
    // A sample taken once before the warm-up: its own one-off costs (the first full collections, the code and
    // buffers of reading /proc) settle during the warm-up instead of inflating the baseline.
    MemoryMaps? discarded = null;
    _ = GrowthSample.Take(0, ref discarded);
    for (var i = 0; i < options.WarmupSteps; i++)
    {
        trainer.Step();
    }

    MemoryMaps? maps = null;
    var first = GrowthSample.Take(0, ref maps);
    var samples = new List<GrowthSample> { first };
    var sampleEvery = options.SampleEvery ?? Math.Max(1, options.Steps / 10);
    long stepAllocated = 0;
    for (var i = 1; i <= options.Steps; i++)
    {
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        trainer.Step();
        stepAllocated += GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        if (i % sampleEvery == 0 && i != options.Steps)
        {
            samples.Add(GrowthSample.Take(i, ref maps));
        }
    }

    var last = GrowthSample.Take(options.Steps, ref maps);
    samples.Add(last);
    var growth = new GrowthReport("torchsharp", options.Model.Name, options.Steps, options.WarmupSteps, first.Rss, last.Rss,
        100.0 * (last.Rss - first.Rss) / first.Rss, [.. samples.Select(s => s.Rss)], samples, clock.Elapsed.TotalSeconds, (double)stepAllocated / options.Steps);
    Console.WriteLine(JsonSerializer.Serialize(growth, json));
    return 0;
}

var firstLoss = double.NaN;
for (var i = 0; i < options.WarmupSteps; i++)
{
    var warm = trainer.Step();
    firstLoss = double.IsNaN(firstLoss) ? warm.Loss : firstLoss;
}

var measured = new List<StepTimings>();
for (var i = 0; i < options.Steps; i++)
{
    measured.Add(trainer.Step());
}

firstLoss = double.IsNaN(firstLoss) ? measured[0].Loss : firstLoss;
var medianStep = Median(measured.Select(m => m.Total));
var report = new BenchReport(
    "torchsharp",
    options.Model.Name,
    options.Bf16 ? "bf16" : "fp32",
    options.Lora ? "lora" : "full",
    options.Threads,
    trainer.TotalParameters,
    trainer.TrainableParameters,
    options.Model.TokensPerStep,
    trainer.FlopsPerStep,
    measured.Select(m => m.Total).ToList(),
    medianStep,
    Median(measured.Select(m => m.Forward)),
    Median(measured.Select(m => m.Backward)),
    Median(measured.Select(m => m.Optimizer)),
    options.Model.TokensPerStep / medianStep,
    trainer.FlopsPerStep / medianStep,
    ProcessMemory.PeakResidentBytes(),
    firstLoss,
    measured[^1].Loss);
Console.WriteLine(JsonSerializer.Serialize(report, json));
return 0;

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToArray();
    var middle = sorted.Length / 2;
    return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
