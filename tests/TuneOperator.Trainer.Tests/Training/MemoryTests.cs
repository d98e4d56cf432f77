using TorchSharp;
using TuneOperator.Trainer.Training;
using Xunit;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Tests.Training;

[Collection(SerialTorchCollection.Name)]
public sealed class MemoryTests
{
    public MemoryTests() => TorchRuntime.Initialize(2);

    [Fact]
    public void Live_tensors_do_not_grow_over_two_thousand_steps()
    {
        manual_seed(8);
        var liveAt = new Dictionary<int, long>();
        var events = new RecordingEvents(e =>
        {
            if (e is StepCompleted { Step: 100 or 1000 or 2000 } step)
            {
                liveAt[step.Step] = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            }
        });

        // The loop runs on this thread, so this thread's dispose-scope statistics see every tensor it makes.
        var result = new TrainingLoop().Run(
            new TrainingRun
            {
                Model = new BigramModel(8, 4),
                Objective = new CausalLanguageModelObjective(),
                Data = new InMemoryBatchSource(SyntheticData.Counting(8, 4, 8, seed: 1), 2),
                Options = new TrainingOptions { MaxSteps = 2000, LearningRate = 0.01 },
                Events = events,
            },
            resumeFrom: null,
            TestContext.Current.CancellationToken);

        Assert.Equal(2000, result.Step);
        Assert.Equal(liveAt[100], liveAt[1000]);
        Assert.Equal(liveAt[100], liveAt[2000]);
    }
}
