/**
 * Ordinary speech a head must not fire on: words that sound like the shipped phrases ("top", "shop",
 * "yet", "know"), short words a robot hears alone (digits, "up", "off", "left"), the robot's own
 * commands, and everyday sentences. The other phrases being trained are added to these.
 */
export const NEGATIVE_TEXTS: readonly string[] = [
  // Near the stop phrases.
  'top', 'shop', 'stock', 'stomp', 'step', 'stuff', 'spot', 'stuck', 'drop', 'hop', 'stopper', 'salt', 'hold', 'fault', 'all',
  'hall', 'emergency', 'energy', 'urgency', 'merge', 'agency', 'so', 'saw', 'snow', 'store', 'stay', 'still', 'story', 'stone',
  'sixty', 'zero', 'stopwatch', 'top of the hour', 'ask', 'tops', 'sob', 'slob', 'swap', 'stab',
  // Near yes and no.
  'yet', 'yes sir', 'guess', 'less', 'mess', 'yesterday', 'know', 'snow', 'go', 'so', 'now', 'note', 'nope', 'noon', 'nose',
  // Near the wake phrases.
  'hey', 'hello', 'hi robot', 'rabbit', 'robin', 'ruby', 'a robot', 'the robot', 'commuter', 'computing', 'compute', 'competitor',
  'jar', 'jarring', 'service', 'elixir', 'alex', 'election', 'lexicon', 'my craft', 'hey micro', 'microphone', 'aircraft',
  // Short words heard alone.
  'up', 'off', 'on', 'house', 'out', 'in', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'zero',
  'left', 'right', 'forward', 'back', 'okay', 'cancel', 'wait', 'help', 'start', 'begin', 'pause', 'ready', 'done', 'thanks',
  'coffee', 'water', 'door', 'kitchen', 'table', 'chair', 'light', 'music', 'maybe', 'sure', 'yeah', 'never', 'please',
  // The robot's commands.
  'turn left', 'turn right', 'go forward', 'go backward', 'go to the kitchen', 'go to the door', 'what time is it',
  'move forward two meters', 'pick up the cup', 'put it down', 'come here', 'follow me', 'go home', 'slow down', 'speed up',
  // Everyday sentences.
  'tell me a joke', 'what is the weather like today', 'i would like a cup of coffee', 'can you hear me', 'good morning',
  'thank you very much', 'how are you doing', 'what is your name', 'play some music', 'turn on the light',
  'open the window please', 'where are my keys', 'set an alarm for seven', 'i am hungry', 'who won the game last night',
  'call my mother', 'read me the news', 'this is a nice room', 'never mind', 'let me think about it', 'do you like pizza',
  'i need some help with my homework', 'the cat is sleeping on the sofa', 'please be quiet', 'are you a robot',
  'my phone is ringing', 'see you later', 'it is raining outside', 'bring me a glass of water', 'how far is the station',
  'i do not understand', 'can you speak more slowly', 'excuse me', 'that was really funny', 'clean the floor',
  'good night everybody', 'what should we have for dinner', 'i will be back in five minutes', 'the bus stops here at noon',
  'we stopped at the shop', 'he knows the answer', 'she said yes to the dress', 'no one came', 'the computer is on the desk',
  'hey there how is it going', 'the emergency room was busy', 'put the top back on', 'stand up straight',
];
