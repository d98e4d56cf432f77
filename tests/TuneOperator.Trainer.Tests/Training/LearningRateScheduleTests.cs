using TuneOperator.Trainer.Training;
using Xunit;

namespace TuneOperator.Trainer.Tests.Training;

public sealed class LearningRateScheduleTests
{
    [Fact]
    public void Warmup_rises_linearly_to_the_peak()
    {
        var schedule = new LearningRateSchedule(ScheduleKind.Constant, 0.1, 4, 10);

        Assert.Equal(0.025, schedule.At(1), 12);
        Assert.Equal(0.05, schedule.At(2), 12);
        Assert.Equal(0.1, schedule.At(4), 12);
        Assert.Equal(0.1, schedule.At(5), 12);
        Assert.Equal(0.1, schedule.At(10), 12);
    }

    [Fact]
    public void Linear_decays_from_the_peak_after_warmup_to_the_minimum_at_the_last_step()
    {
        // Warm-up 2 steps, then steps 3..7 decay over 5 steps: progress 0, 0.25, 0.5, 0.75, 1.
        var schedule = new LearningRateSchedule(ScheduleKind.Linear, 1.0, 2, 7, 0.2);

        Assert.Equal(0.5, schedule.At(1), 12);
        Assert.Equal(1.0, schedule.At(3), 12);
        Assert.Equal(0.8, schedule.At(4), 12);
        Assert.Equal(0.6, schedule.At(5), 12);
        Assert.Equal(0.4, schedule.At(6), 12);
        Assert.Equal(0.2, schedule.At(7), 12);
    }

    [Fact]
    public void Cosine_follows_half_a_cosine_wave()
    {
        // No warm-up; 5 steps: progress 0, 0.25, 0.5, 0.75, 1 → factor 1, (1+cos(pi/4))/2, 0.5, (1-cos(pi/4))/2, 0.
        var schedule = new LearningRateSchedule(ScheduleKind.Cosine, 2.0, 0, 5);
        var quarter = (1 + Math.Sqrt(0.5)) / 2;

        Assert.Equal(2.0, schedule.At(1), 12);
        Assert.Equal(2.0 * quarter, schedule.At(2), 12);
        Assert.Equal(1.0, schedule.At(3), 12);
        Assert.Equal(2.0 * (1 - quarter), schedule.At(4), 12);
        Assert.Equal(0.0, schedule.At(5), 12);
    }

    [Fact]
    public void Invalid_values_are_reported_by_field()
    {
        var problems = new LearningRateSchedule(ScheduleKind.Cosine, 0, -1, 0).Validate().ToList();

        Assert.Contains(problems, p => p.StartsWith("learningRate", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("warmupSteps", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("maxSteps or epochs", StringComparison.Ordinal));
    }
}
