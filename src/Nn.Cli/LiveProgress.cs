using System.Diagnostics;
using System.Globalization;
using Nn.Training;
using Spectre.Console;

namespace Nn.Cli;

/// <summary>
/// Training progress on a terminal: a live bar per epoch with the running loss, samples/s and the time left
/// (Spectre.Console). When the output is redirected, <c>nn train</c> prints one plain line per epoch instead.
/// </summary>
internal sealed class LiveProgress(ProgressContext context, int epochs, int batchesPerEpoch, int batchSize) : TrainingCallback
{
    private readonly Stopwatch _epochClock = new(), _redraw = new();
    private ProgressTask? _task;
    private double _lossSum;
    private int _batches;

    /// <summary>Whether a live display can be drawn: a terminal that is not redirected.</summary>
    public static bool Available => !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    /// <summary>Runs <paramref name="train"/> under a live display and returns its result.</summary>
    public static T Run<T>(int epochs, int batchesPerEpoch, int batchSize, Func<TrainingCallback, T> train)
    {
        T result = default!;
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn { Width = 16 }, new PercentageColumn(), new RemainingTimeColumn())
            .Start(context => result = train(new LiveProgress(context, epochs, batchesPerEpoch, batchSize)));
        return result;
    }

    public override void OnBatchEnd(BatchRecord batch)
    {
        if (_task is null)
        {
            _task = context.AddTask(Label(batch.Epoch, "starting"), maxValue: batchesPerEpoch);
            _epochClock.Restart();
            _redraw.Restart();
            _lossSum = 0;
            _batches = 0;
        }
        _lossSum += batch.Loss;
        _batches++;
        _task.Value = batch.Batch;
        if (_redraw.ElapsedMilliseconds >= 100)
        {
            double rate = _batches * batchSize / Math.Max(1e-9, _epochClock.Elapsed.TotalSeconds);
            _task.Description = Label(batch.Epoch, string.Create(CultureInfo.InvariantCulture, $"loss {_lossSum / _batches:F4}  {rate / 1000:F0}k samples/s"));
            _redraw.Restart();
        }
    }

    public override void OnEpochEnd(EpochRecord e)
    {
        _task ??= context.AddTask("", maxValue: batchesPerEpoch);
        string accuracy = e.TrainingAccuracy is { } a ? string.Create(CultureInfo.InvariantCulture, $" acc {a:P1}") : "";
        string held = e.ValidationLoss is { } vl
            ? string.Create(CultureInfo.InvariantCulture, $"  val {vl:F4}{(e.ValidationAccuracy is { } va ? $" {va:P1}" : "")}")
            : "";
        double rate = _batches * batchSize / Math.Max(1e-9, e.Elapsed.TotalSeconds);
        _task.Description = Label(e.Epoch, string.Create(CultureInfo.InvariantCulture, $"loss {e.TrainingLoss:F4}{accuracy}{held}  {rate / 1000:F0}k/s"));
        _task.Value = batchesPerEpoch;
        _task.StopTask();
        _task = null;
    }

    public override void OnWarning(string message) => AnsiConsole.MarkupLine($"[yellow]warning[/] {Markup.Escape(message)}");

    private string Label(int epoch, string text) => Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"epoch {epoch}/{epochs}  {text}"));
}
