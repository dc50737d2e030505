// The audio player (SPEC L8): ±30 s, speed 0.75–2×, chapters; the position is saved to the server every few
// seconds and on pause, and the player starts where the reader stopped on any device.
(() => {
    const root = document.getElementById('player')
    const audio = document.getElementById('player-audio')
    let lastSaved = -1
    const save = () => {
        const seconds = Math.floor(audio.currentTime)
        if (seconds === lastSaved) return
        lastSaved = seconds
        const fraction = audio.duration ? Math.min(1, audio.currentTime / audio.duration) : 0
        fetch(root.dataset.positionUrl, {
            method: 'PUT',
            headers: { 'Content-Type': 'application/json', 'X-CSRFToken': root.dataset.csrf },
            body: JSON.stringify({ locator: String(seconds), fraction }),
            credentials: 'same-origin',
        }).then(response => { root.dataset.saved = response.ok ? String(seconds) : '' })
    }
    const seek = seconds => {
        audio.currentTime = Math.max(0, Math.min(audio.duration || seconds, seconds))
    }
    audio.addEventListener('loadedmetadata', () => {
        const start = parseFloat(root.dataset.start) || 0
        if (start > 0) seek(start)
        root.dataset.ready = '1'
    }, { once: true })
    audio.addEventListener('pause', save)
    audio.addEventListener('seeked', save)
    setInterval(() => { if (!audio.paused) save() }, 5000)
    document.getElementById('player-back').addEventListener('click', () => seek(audio.currentTime - 30))
    document.getElementById('player-forward').addEventListener('click', () => seek(audio.currentTime + 30))
    document.getElementById('player-speed').addEventListener('change', event => {
        audio.playbackRate = parseFloat(event.target.value)
    })
    for (const button of document.querySelectorAll('[data-seek]')) {
        button.addEventListener('click', () => seek(parseFloat(button.dataset.seek)))
    }
})()
