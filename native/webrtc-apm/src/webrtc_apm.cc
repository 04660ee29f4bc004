// A thin Node-API wrapper over webrtc::AudioProcessing (libwebrtc-audio-processing 0.3): one instance per
// stream, 10 ms frames of 16-bit mono audio. The microphone goes through ProcessStream, what the speaker
// played through ProcessReverseStream, in the order they happened; the library keeps its own buffers.
// Everything is synchronous: a 10 ms frame costs tens of microseconds, less than a thread hop.
#include <napi.h>

#include <cstring>
#include <memory>
#include <string>

#include "webrtc/common.h"
#include "webrtc/modules/audio_processing/include/audio_processing.h"
#include "webrtc/modules/interface/module_common_types.h"

namespace {

using webrtc::AudioProcessing;

std::string OptString(const Napi::Object& o, const char* key, const std::string& fallback) {
  Napi::Value v = o.Get(key);
  return v.IsString() ? v.As<Napi::String>().Utf8Value() : fallback;
}

bool OptBool(const Napi::Object& o, const char* key, bool fallback) {
  Napi::Value v = o.Get(key);
  return v.IsBoolean() ? v.As<Napi::Boolean>().Value() : fallback;
}

class Apm : public Napi::ObjectWrap<Apm> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "WebRtcApm",
                       {InstanceMethod("processReverse", &Apm::ProcessReverse),
                        InstanceMethod("processCapture", &Apm::ProcessCapture),
                        InstanceMethod("metrics", &Apm::Metrics),
                        InstanceMethod("reset", &Apm::Reset),
                        InstanceMethod("close", &Apm::Close)});
  }

  explicit Apm(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Apm>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsObject()) {
      throw Napi::TypeError::New(env, "WebRtcApm takes an options object");
    }
    Napi::Object o = info[0].As<Napi::Object>();
    rate_ = o.Get("sampleRateHz").ToNumber().Int32Value();
    if (rate_ != 8000 && rate_ != 16000 && rate_ != 32000 && rate_ != 48000) {
      throw Napi::RangeError::New(env, "WebRTC audio processing runs at 8, 16, 32 or 48 kHz, not " + std::to_string(rate_));
    }
    frame_ = static_cast<size_t>(rate_ / 100);
    const std::string aec = OptString(o, "aec", "aec");
    webrtc::Config config;
    config.Set<webrtc::ExtendedFilter>(new webrtc::ExtendedFilter(OptBool(o, "extendedFilter", true)));
    config.Set<webrtc::DelayAgnostic>(new webrtc::DelayAgnostic(OptBool(o, "delayAgnostic", true)));
    apm_.reset(AudioProcessing::Create(config));
    if (!apm_) throw Napi::Error::New(env, "webrtc::AudioProcessing::Create failed");
    if (aec == "aec") {
      auto* ec = apm_->echo_cancellation();
      Check(env, ec->enable_drift_compensation(false), "enable_drift_compensation");
      const std::string level = OptString(o, "suppressionLevel", "high");
      Check(env, ec->set_suppression_level(level == "low" ? webrtc::EchoCancellation::kLowSuppression
                                          : level == "moderate" ? webrtc::EchoCancellation::kModerateSuppression
                                                                : webrtc::EchoCancellation::kHighSuppression),
            "set_suppression_level");
      Check(env, ec->enable_metrics(true), "enable_metrics");
      Check(env, ec->enable_delay_logging(true), "enable_delay_logging");
      Check(env, ec->Enable(true), "echo_cancellation Enable");
    } else if (aec == "aecm") {
      if (rate_ > 16000) throw Napi::RangeError::New(env, "AECM runs at 8 or 16 kHz only");
      auto* m = apm_->echo_control_mobile();
      Check(env, m->set_routing_mode(webrtc::EchoControlMobile::kLoudSpeakerphone), "set_routing_mode");
      Check(env, m->enable_comfort_noise(false), "enable_comfort_noise");
      Check(env, m->Enable(true), "echo_control_mobile Enable");
    } else if (aec != "off") {
      throw Napi::TypeError::New(env, "aec must be 'aec', 'aecm' or 'off', not '" + aec + "'");
    }
    aecOn_ = aec != "off";
    const std::string ns = OptString(o, "noiseSuppression", "off");
    if (ns != "off") {
      auto* n = apm_->noise_suppression();
      Check(env, n->set_level(ns == "low" ? webrtc::NoiseSuppression::kLow
                               : ns == "moderate" ? webrtc::NoiseSuppression::kModerate
                               : ns == "high" ? webrtc::NoiseSuppression::kHigh
                                              : webrtc::NoiseSuppression::kVeryHigh),
            "noise_suppression set_level");
      Check(env, n->Enable(true), "noise_suppression Enable");
    }
    Check(env, apm_->high_pass_filter()->Enable(OptBool(o, "highPass", false)), "high_pass_filter Enable");
  }

 private:
  static void Check(Napi::Env env, int code, const char* what) {
    if (code != AudioProcessing::kNoError) {
      throw Napi::Error::New(env, std::string("webrtc audio processing: ") + what + " failed with error " + std::to_string(code));
    }
  }

  void Fill(Napi::Env env, const Napi::Value& v, webrtc::AudioFrame* f) {
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int16_array) {
      throw Napi::TypeError::New(env, "frames are Int16Arrays");
    }
    Napi::Int16Array a = v.As<Napi::Int16Array>();
    if (a.ElementLength() != frame_) {
      throw Napi::RangeError::New(env, "WebRTC audio processing takes 10 ms frames: " + std::to_string(frame_) + " samples, not " +
                                           std::to_string(a.ElementLength()));
    }
    f->sample_rate_hz_ = rate_;
    f->num_channels_ = 1;
    f->samples_per_channel_ = frame_;
    std::memcpy(f->data_, a.Data(), frame_ * sizeof(int16_t));
  }

  Napi::Value ProcessReverse(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!apm_) throw Napi::Error::New(env, "WebRtcApm used after close()");
    Fill(env, info[0], &reverse_);
    Check(env, apm_->ProcessReverseStream(&reverse_), "ProcessReverseStream");
    return env.Undefined();
  }

  // processCapture(mic, out, delayMs): returns whether the frame might hold echo (AEC only).
  Napi::Value ProcessCapture(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!apm_) throw Napi::Error::New(env, "WebRtcApm used after close()");
    Fill(env, info[0], &capture_);
    if (!info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_int16_array ||
        info[1].As<Napi::Int16Array>().ElementLength() != frame_) {
      throw Napi::TypeError::New(env, "processCapture's output is an Int16Array of one 10 ms frame");
    }
    if (aecOn_) {
      int delay = info[2].IsNumber() ? info[2].As<Napi::Number>().Int32Value() : 0;
      // The library rejects delays outside 0-500 ms (kBadStreamParameterWarning) but clamps them itself.
      apm_->set_stream_delay_ms(delay);
    }
    int code = apm_->ProcessStream(&capture_);
    if (code != AudioProcessing::kNoError && code != AudioProcessing::kBadStreamParameterWarning) {
      Check(env, code, "ProcessStream");
    }
    std::memcpy(info[1].As<Napi::Int16Array>().Data(), capture_.data_, frame_ * sizeof(int16_t));
    bool echo = apm_->echo_cancellation()->is_enabled() && apm_->echo_cancellation()->stream_has_echo();
    return Napi::Boolean::New(env, echo);
  }

  // metrics(): the AEC's own statistics (dB; -100 when not yet computed) and delay estimate (ms).
  Napi::Value Metrics(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object out = Napi::Object::New(env);
    if (!apm_ || !apm_->echo_cancellation()->is_enabled()) return out;
    webrtc::EchoCancellation::Metrics m;
    if (apm_->echo_cancellation()->GetMetrics(&m) == AudioProcessing::kNoError) {
      out.Set("erleDb", m.echo_return_loss_enhancement.average);
      out.Set("erlDb", m.echo_return_loss.average);
      out.Set("aNlpDb", m.a_nlp.average);
    }
    int median = 0, std = 0;
    float poor = 0;
    if (apm_->echo_cancellation()->GetDelayMetrics(&median, &std, &poor) == AudioProcessing::kNoError) {
      out.Set("delayMedianMs", median);
      out.Set("delayStdMs", std);
      out.Set("fractionPoorDelays", poor);
    }
    return out;
  }

  // reset(): forgets the learned echo path and delay, keeping the settings.
  Napi::Value Reset(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!apm_) throw Napi::Error::New(env, "WebRtcApm used after close()");
    Check(env, apm_->Initialize(), "Initialize");
    return env.Undefined();
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    apm_.reset();
    return info.Env().Undefined();
  }

  std::unique_ptr<AudioProcessing> apm_;
  webrtc::AudioFrame capture_;
  webrtc::AudioFrame reverse_;
  int rate_ = 16000;
  size_t frame_ = 160;
  bool aecOn_ = false;
};

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("WebRtcApm", Apm::Define(env));
  return exports;
}

}  // namespace

NODE_API_MODULE(webrtc_apm, Init)
